package io.samsa.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The value types of broker configuration keys, with Kafka's parsing rules. */
public enum ConfigType {
    BOOLEAN, INT, LONG, DOUBLE, STRING, LIST, PASSWORD, CLASS;

    /**
     * Parses {@code raw} as this type. Throws {@link IllegalArgumentException} with a message naming
     * the expected type when the text does not parse.
     */
    public Object parse(String raw) {
        String s = raw.trim();
        switch (this) {
            case BOOLEAN:
                if (s.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (s.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new IllegalArgumentException("expected true or false, got '" + raw + "'");
            case INT:
                try {
                    return Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a 32-bit integer, got '" + raw + "'");
                }
            case LONG:
                try {
                    return Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a 64-bit integer, got '" + raw + "'");
                }
            case DOUBLE:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a number, got '" + raw + "'");
                }
            case LIST:
                List<String> items = new ArrayList<>();
                if (!s.isEmpty()) {
                    for (String item : s.split(",")) {
                        String t = item.trim();
                        if (!t.isEmpty()) {
                            items.add(t);
                        }
                    }
                }
                return List.copyOf(items);
            default:
                return s;
        }
    }

    /** Kafka's name for this type in DescribeConfigs (v3+ config_type). */
    public String kafkaName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
