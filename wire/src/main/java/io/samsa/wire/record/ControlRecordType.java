package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;

/**
 * The type of a control record (a record in a batch with the control attribute), read from its key:
 * version int16 (0) then type int16. COMMIT and ABORT are transaction markers (KIP-98), whose value
 * is version int16 (0) then the coordinator epoch int32; the others belong to KRaft's metadata log
 * (KIP-595, KIP-630, KIP-853). A type this broker does not know is {@link #UNKNOWN}, as in Kafka, so
 * that newer control records do not break readers.
 *
 * <p>Stateless; any thread.
 */
public enum ControlRecordType {
    ABORT(0),
    COMMIT(1),
    LEADER_CHANGE(2),
    SNAPSHOT_HEADER(3),
    SNAPSHOT_FOOTER(4),
    KRAFT_VERSION(5),
    KRAFT_VOTERS(6),
    UNKNOWN(-1);

    /** Size of a control record key: version and type. */
    public static final int KEY_SIZE = 4;
    /** Size of an end-transaction marker value: version and coordinator epoch. */
    public static final int END_TXN_VALUE_SIZE = 6;

    private final short type;

    ControlRecordType(int type) {
        this.type = (short) type;
    }

    public short type() {
        return type;
    }

    public static ControlRecordType forType(short type) {
        for (ControlRecordType t : values()) {
            if (t.type == type && t != UNKNOWN) {
                return t;
            }
        }
        return UNKNOWN;
    }

    /** Reads the type from a control record key at {@code index} of {@code buf}, {@code length} bytes. */
    public static ControlRecordType parseKey(ByteBuf buf, int index, int length) {
        if (length < KEY_SIZE) {
            throw new DecodeException("Control record key has " + length + " bytes, needs " + KEY_SIZE);
        }
        short version = buf.getShort(index);
        if (version < 0) {
            throw new DecodeException("Control record key has a negative version " + version);
        }
        return forType(buf.getShort(index + 2));
    }

    /** Reads the coordinator epoch from an end-transaction marker's value. */
    public static int parseCoordinatorEpoch(ByteBuf buf, int index, int length) {
        if (length < END_TXN_VALUE_SIZE) {
            throw new DecodeException("End transaction marker value has " + length + " bytes, needs "
                    + END_TXN_VALUE_SIZE);
        }
        short version = buf.getShort(index);
        if (version < 0) {
            throw new DecodeException("End transaction marker has a negative version " + version);
        }
        return buf.getInt(index + 2);
    }

    /** Writes this type's control record key (version 0). */
    public void writeKey(ByteBuf dst) {
        dst.writeShort(0).writeShort(type);
    }
}
