package io.samsa.metadata;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.Set;

/**
 * Kafka's rules for topic names: non-empty, at most 249 characters of {@code [a-zA-Z0-9._-]}, not
 * "." or "..", and no two topics whose names differ only by '.' versus '_' (their metric names
 * would collide). Stateless and thread-safe.
 */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    public static final String TRANSACTION_STATE = "__transaction_state";
    private static final Set<String> INTERNAL = Set.of(CONSUMER_OFFSETS, TRANSACTION_STATE);

    private TopicNames() {
    }

    /** Throws {@code INVALID_TOPIC_EXCEPTION} with Kafka's wording when {@code name} is not a legal topic name. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new SamsaException(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new SamsaException(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name cannot be \".\" or \"..\"");
        }
        if (name.length() > MAX_LENGTH) {
            throw new SamsaException(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name is illegal, it can't be longer than "
                + MAX_LENGTH + " characters, topic name: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new SamsaException(ErrorCode.INVALID_TOPIC_EXCEPTION, "Topic name \"" + name
                    + "\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'");
            }
        }
    }

    /** The name with '.' replaced by '_': two topics collide when these are equal. */
    public static String unifyCollisionChars(String name) {
        return name.replace('.', '_');
    }

    /** Whether the name has a character that may collide ('.' or '_'). */
    public static boolean hasCollisionChars(String name) {
        return name.indexOf('.') >= 0 || name.indexOf('_') >= 0;
    }

    /** Whether this is one of Kafka's internal topics. */
    public static boolean isInternal(String name) {
        return INTERNAL.contains(name);
    }
}
