package io.samsa.coordinator.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.coordinator.runtime.RecordSerde;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;

/**
 * The bytes of the group coordinator's records in {@code __consumer_offsets}, laid out as Kafka lays out its own,
 * so that Kafka's tools can read them:
 *
 * <pre>
 * key   = int16 record type (the schema's apiKey) | key struct at version 0
 * value = int16 version | value struct at that version        (absent: a tombstone)
 * </pre>
 *
 * The record types are those of {@link CoordinatorRecordType}, generated from {@code coordinator/src/main/schemas}.
 * Keys of types 100-102 are Samsa's format from before issue 10; they are refused with a message that says so.
 * Stateless and thread-safe.
 */
public final class GroupRecordSerde implements RecordSerde {
    /** The first and last record types of Samsa's previous, hand-written group record format. */
    private static final int PREVIOUS_FORMAT_FIRST = 100;
    private static final int PREVIOUS_FORMAT_LAST = 102;

    @Override
    public CoordinatorRecord serialize(TypedRecord record) {
        byte[] key = write(record.type(), record.key(), (short) 0);
        byte[] value = record.value() == null ? null : write(record.valueVersion(), record.value(),
                record.valueVersion());
        return new CoordinatorRecord(key, value);
    }

    private static byte[] write(short prefix, Message message, short version) {
        byte[] out = new byte[2 + message.size(version)];
        ByteBuf buf = Unpooled.wrappedBuffer(out).writerIndex(0);
        try {
            buf.writeShort(prefix);
            message.write(buf, version);
        } finally {
            buf.release();
        }
        return out;
    }

    @Override
    public TypedRecord deserialize(byte[] key, byte[] value) {
        if (key.length < 2) {
            throw new DecodeException("A group record key needs at least 2 bytes, got " + key.length);
        }
        ByteBuf kb = Unpooled.wrappedBuffer(key);
        try {
            short type = kb.readShort();
            CoordinatorRecordType t = CoordinatorRecordType.fromId(type);
            if (t == null) {
                throw unknown(type);
            }
            Message k = t.newKey();
            k.read(kb, (short) 0);
            if (value == null) {
                return TypedRecord.tombstone(k);
            }
            return new TypedRecord(k, readValue(t, value), versionOf(value));
        } finally {
            kb.release();
        }
    }

    private static Message readValue(CoordinatorRecordType t, byte[] value) {
        short version = versionOf(value);
        if (version < t.lowestVersion() || version > t.highestVersion()) {
            throw new DecodeException("Unsupported version " + version + " of a " + t.recordName() + " value ("
                    + t.lowestVersion() + "-" + t.highestVersion() + " are known)");
        }
        ByteBuf vb = Unpooled.wrappedBuffer(value, 2, value.length - 2);
        try {
            Message v = t.newValue();
            v.read(vb, version);
            return v;
        } finally {
            vb.release();
        }
    }

    private static short versionOf(byte[] value) {
        if (value.length < 2) {
            throw new DecodeException("A group record value needs at least 2 bytes, got " + value.length);
        }
        return (short) (((value[0] & 0xff) << 8) | (value[1] & 0xff));
    }

    private static RuntimeException unknown(short type) {
        if (type >= PREVIOUS_FORMAT_FIRST && type <= PREVIOUS_FORMAT_LAST) {
            return new IncompatibleFormatException(previousFormatMessage(type));
        }
        return new UnknownTypeException("Unknown group record type " + type);
    }

    /**
     * Why a key written in Samsa's previous group record format cannot be read, and what to do; null when
     * {@code key} is not in that format. For a start-up check of a data directory.
     */
    public static String previousFormatProblem(byte[] key) {
        if (key == null || key.length < 2) {
            return null;
        }
        int type = (short) (((key[0] & 0xff) << 8) | (key[1] & 0xff));
        return type >= PREVIOUS_FORMAT_FIRST && type <= PREVIOUS_FORMAT_LAST ? previousFormatMessage(type) : null;
    }

    private static String previousFormatMessage(int type) {
        return "__consumer_offsets holds a group record of type " + type + " in the format Samsa wrote before it "
                + "adopted Kafka's record layout; this version cannot read it. Its committed offsets and groups "
                + "are lost to this version: delete the __consumer_offsets-* directories of the data directory "
                + "(consumers then start from auto.offset.reset), or run the previous Samsa version.";
    }
}
