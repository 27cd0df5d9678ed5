package io.samsa.metadata;

import java.util.Objects;

/**
 * A resource that carries dynamic configs: a topic (by name) or a broker (by node id, or the
 * empty name for the cluster-wide default). Type ids are Kafka's {@code ConfigResource.Type}.
 */
public record ConfigResource(Type type, String name) {

    /** The resource types the controller stores configs for, with Kafka's wire ids. */
    public enum Type {
        TOPIC((byte) 2),
        BROKER((byte) 4);

        private final byte id;

        Type(byte id) {
            this.id = id;
        }

        public byte id() {
            return id;
        }

        /** The type for a wire id, or null when this controller does not store configs for it. */
        public static Type forId(byte id) {
            for (Type t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            return null;
        }
    }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    /** The broker resource for {@code nodeId}. */
    public static ConfigResource broker(int nodeId) {
        return new ConfigResource(Type.BROKER, Integer.toString(nodeId));
    }

    /** The cluster-wide default broker resource (empty name). */
    public static ConfigResource clusterDefault() {
        return new ConfigResource(Type.BROKER, "");
    }
}
