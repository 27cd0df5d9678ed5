package io.samsa.coordinator;

import java.util.Map;

/** Reading numeric broker properties with Kafka's defaults, for the coordinators' configs. Stateless. */
final class ConfigProps {
    private ConfigProps() {
    }

    static int intProp(Map<String, String> props, String name, int dflt) {
        String v = props.get(name);
        return v == null ? dflt : Integer.parseInt(v.trim());
    }

    static long longProp(Map<String, String> props, String name, long dflt) {
        String v = props.get(name);
        return v == null ? dflt : Long.parseLong(v.trim());
    }
}
