package io.samsa.controller;

import java.util.Objects;

/**
 * One config change of IncrementalAlterConfigs (KIP-339): SET a value, DELETE the override,
 * APPEND to or SUBTRACT from a list config. Legacy AlterConfigs uses SET entries only. Immutable.
 */
public record AlterConfigOp(String key, String value, OpType op) {

    /** The operation, with its wire id. */
    public enum OpType {
        SET((byte) 0),
        DELETE((byte) 1),
        APPEND((byte) 2),
        SUBTRACT((byte) 3);

        private final byte id;

        OpType(byte id) {
            this.id = id;
        }

        public byte id() {
            return id;
        }

        /** The op for a wire id, or null when unknown. */
        public static OpType forId(byte id) {
            for (OpType t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            return null;
        }
    }

    public AlterConfigOp {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
    }

    public static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(key, value, OpType.SET);
    }

    public static AlterConfigOp delete(String key) {
        return new AlterConfigOp(key, null, OpType.DELETE);
    }
}
