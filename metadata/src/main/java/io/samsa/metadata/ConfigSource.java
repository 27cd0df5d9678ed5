package io.samsa.metadata;

/** Where a config value comes from, with the id DescribeConfigs v1+ sends (KIP-226). */
public enum ConfigSource {
    UNKNOWN((byte) 0),
    TOPIC_CONFIG((byte) 1),
    DYNAMIC_BROKER_CONFIG((byte) 2),
    DYNAMIC_DEFAULT_BROKER_CONFIG((byte) 3),
    STATIC_BROKER_CONFIG((byte) 4),
    DEFAULT_CONFIG((byte) 5);

    private final byte id;

    ConfigSource(byte id) {
        this.id = id;
    }

    public byte id() {
        return id;
    }
}
