package io.samsa.metadata;

/** A config's value type, with the id DescribeConfigs v3+ sends (KIP-569). */
public enum ConfigType {
    UNKNOWN((byte) 0),
    BOOLEAN((byte) 1),
    STRING((byte) 2),
    INT((byte) 3),
    SHORT((byte) 4),
    LONG((byte) 5),
    DOUBLE((byte) 6),
    LIST((byte) 7),
    CLASS((byte) 8),
    PASSWORD((byte) 9);

    private final byte id;

    ConfigType(byte id) {
        this.id = id;
    }

    public byte id() {
        return id;
    }
}
