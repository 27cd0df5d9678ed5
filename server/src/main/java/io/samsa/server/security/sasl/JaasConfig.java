package io.samsa.server.security.sasl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One login module entry of a {@code sasl.jaas.config} value, as Kafka reads it:
 * {@code <class> <required|requisite|sufficient|optional> key=value ... ;} with values quoted ({@code "a b"}, with
 * {@code \"} and {@code \\} escapes) or bare. For PlainLoginModule, {@code username}/{@code password} are the
 * broker's own credentials and each {@code user_<name>} a user's password.
 *
 * <p>Immutable.
 */
public record JaasConfig(String loginModule, String controlFlag, Map<String, String> options) {
    private static final String PLAIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule";
    private static final String USER_PREFIX = "user_";

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming what is wrong: no module, an unknown control flag, an option without
     *     a value, an unterminated quote, no terminating ';', or more than one module
     */
    public static JaasConfig parse(String text) {
        Tokens t = new Tokens(text);
        String module = t.word();
        if (module == null) {
            throw new IllegalArgumentException("JAAS config has no login module");
        }
        String flag = t.word();
        if (flag == null || !(flag.equals("required") || flag.equals("requisite") || flag.equals("sufficient")
                || flag.equals("optional"))) {
            throw new IllegalArgumentException("JAAS config entry " + module + " has an invalid control flag " + flag);
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            t.skipSpace();
            if (t.peek() == ';') {
                t.pos++;
                break;
            }
            String key = t.word();
            if (key == null) {
                throw new IllegalArgumentException("JAAS config entry " + module + " does not end with ';'");
            }
            t.skipSpace();
            if (t.peek() != '=') {
                throw new IllegalArgumentException("JAAS option " + key + " of " + module + " has no value");
            }
            t.pos++;
            t.skipSpace();
            String value = t.peek() == '"' ? t.quoted() : t.word();
            if (value == null) {
                throw new IllegalArgumentException("JAAS option " + key + " of " + module + " has no value");
            }
            options.put(key, value);
        }
        t.skipSpace();
        if (t.pos < text.length()) {
            throw new IllegalArgumentException("JAAS config must contain exactly one login module");
        }
        return new JaasConfig(module, flag, Map.copyOf(options));
    }

    public boolean isPlainLoginModule() {
        return PLAIN_MODULE.equals(loginModule);
    }

    /** The {@code user_<name>="<password>"} options, by user name. */
    public Map<String, String> plainUsers() {
        Map<String, String> users = new LinkedHashMap<>();
        options.forEach((k, v) -> {
            if (k.startsWith(USER_PREFIX) && k.length() > USER_PREFIX.length()) {
                users.put(k.substring(USER_PREFIX.length()), v);
            }
        });
        return Map.copyOf(users);
    }

    /** Reads words and quoted strings from the text. */
    private static final class Tokens {
        private final String s;
        private int pos;

        Tokens(String s) {
            this.s = s;
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        /** A run of characters other than space, '=', ';' and '"'; null when there is none. */
        String word() {
            skipSpace();
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c) || c == '=' || c == ';' || c == '"') {
                    break;
                }
                pos++;
            }
            return pos == start ? null : s.substring(start, pos);
        }

        String quoted() {
            StringBuilder out = new StringBuilder();
            pos++;
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                out.append(c);
            }
            throw new IllegalArgumentException("JAAS config has an unterminated quoted value");
        }
    }
}
