package io.samsa.metadata;

/** Whether an ACL allows or denies. ANY appears only in filters. */
public enum AclPermissionType {
    UNKNOWN(0), ANY(1), DENY(2), ALLOW(3);

    private final byte code;

    AclPermissionType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The permission type with {@code code}, UNKNOWN for a code Kafka does not define. */
    public static AclPermissionType forCode(byte code) {
        for (AclPermissionType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
