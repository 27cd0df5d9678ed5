package io.samsa.server.config;

import java.util.Set;

/**
 * One broker configuration key: Kafka's name, type, default (null when unset by default), an optional
 * range or set of valid values, and whether it is read-only at run time.
 */
public record ConfigKey(String name, ConfigType type, String defaultValue, Long min, Long max,
                        Set<String> validValues, String doc) {

    static ConfigKey of(String name, ConfigType type, String defaultValue, String doc) {
        return new ConfigKey(name, type, defaultValue, null, null, null, doc);
    }

    static ConfigKey atLeast(String name, ConfigType type, String defaultValue, long min, String doc) {
        return new ConfigKey(name, type, defaultValue, min, null, null, doc);
    }

    static ConfigKey between(String name, ConfigType type, String defaultValue, long min, long max, String doc) {
        return new ConfigKey(name, type, defaultValue, min, max, null, doc);
    }

    static ConfigKey oneOf(String name, String defaultValue, Set<String> valid, String doc) {
        return new ConfigKey(name, ConfigType.STRING, defaultValue, null, null, valid, doc);
    }

    /** Parses and validates {@code raw}; throws IllegalArgumentException naming the problem. */
    public Object parse(String raw) {
        Object value = type.parse(raw);
        if (value instanceof Number && (min != null || max != null)) {
            double n = ((Number) value).doubleValue();
            if (min != null && n < min) {
                throw new IllegalArgumentException("value " + raw.trim() + " is below the minimum " + min);
            }
            if (max != null && n > max) {
                throw new IllegalArgumentException("value " + raw.trim() + " is above the maximum " + max);
            }
        }
        if (validValues != null) {
            String v = ((String) value);
            boolean ok = false;
            for (String allowed : validValues) {
                if (allowed.equalsIgnoreCase(v)) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("value '" + v + "' is not one of " + validValues);
            }
            return v;
        }
        return value;
    }

    public boolean isSensitive() {
        return type == ConfigType.PASSWORD;
    }
}
