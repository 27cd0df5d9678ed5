package io.samsa.metadata;

/**
 * How an ACL's resource name matches (KIP-290): LITERAL names one resource ({@code *} every resource of the type),
 * PREFIXED every resource whose name starts with it. ANY and MATCH appear only in filters.
 */
public enum AclPatternType {
    UNKNOWN(0), ANY(1), MATCH(2), LITERAL(3), PREFIXED(4);

    private final byte code;

    AclPatternType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The pattern type with {@code code}, UNKNOWN for a code Kafka does not define. */
    public static AclPatternType forCode(byte code) {
        for (AclPatternType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
