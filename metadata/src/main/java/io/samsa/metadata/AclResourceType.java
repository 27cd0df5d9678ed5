package io.samsa.metadata;

/** The resource types of Kafka's ACLs, with their protocol codes. ANY appears only in filters. */
public enum AclResourceType {
    UNKNOWN(0), ANY(1), TOPIC(2), GROUP(3), CLUSTER(4), TRANSACTIONAL_ID(5), DELEGATION_TOKEN(6), USER(7);

    /** The only name a CLUSTER resource has. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private final byte code;

    AclResourceType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The type with {@code code}, UNKNOWN for a code Kafka does not define. */
    public static AclResourceType forCode(byte code) {
        for (AclResourceType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
