package io.samsa.controller;

/** The kind of leader election ElectLeaders asks for (KIP-460), with Kafka's wire values. */
public enum ElectionType {
    /** Make the first replica (the preferred one) leader, when it is in the ISR and alive. */
    PREFERRED((byte) 0),
    /** Elect a leader for a partition without one, from the ISR if possible, else from any live replica. */
    UNCLEAN((byte) 1);

    private final byte value;

    ElectionType(byte value) {
        this.value = value;
    }

    public byte value() {
        return value;
    }

    /** The type with this wire value, or null. */
    public static ElectionType of(byte value) {
        for (ElectionType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        return null;
    }
}
