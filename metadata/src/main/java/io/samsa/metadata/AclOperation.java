package io.samsa.metadata;

/**
 * The operations of Kafka's ACLs, with their protocol codes; bit {@code code} of an authorized-operations field
 * (KIP-430) is the operation with that code. ANY appears only in filters; ALL in an ACL covers every operation.
 */
public enum AclOperation {
    UNKNOWN(0), ANY(1), ALL(2), READ(3), WRITE(4), CREATE(5), DELETE(6), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9),
    DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12), CREATE_TOKENS(13), DESCRIBE_TOKENS(14),
    TWO_PHASE_COMMIT(15);

    private final byte code;

    AclOperation(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The operation with {@code code}, UNKNOWN for a code Kafka does not define. */
    public static AclOperation forCode(byte code) {
        for (AclOperation o : values()) {
            if (o.code == code) {
                return o;
            }
        }
        return UNKNOWN;
    }
}
