package io.samsa.coordinator.runtime;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;
import java.util.function.Supplier;

/**
 * The byte layout Kafka's coordinators give their records, so that Kafka's tools read ours:
 *
 * <pre>
 * key   = int16 record type (the schema's apiKey) | key struct at version 0
 * value = int16 version | value struct at that version        (absent: a tombstone)
 * </pre>
 *
 * A subclass names the record types it knows (a generated registry); {@link #unknownType} decides what a type it
 * does not know means. Stateless and thread-safe.
 */
public abstract class TypePrefixedSerde implements RecordSerde {

    /** One record type: its name, the version range of its value, and factories of its key and value. */
    public record Type(String name, short lowestVersion, short highestVersion, Supplier<Message> newKey,
                          Supplier<Message> newValue) {
    }

    /** What records of this serde are called in errors ("group", "transaction"). */
    private final String what;

    protected TypePrefixedSerde(String what) {
        this.what = what;
    }

    /** The record type {@code id}, or null when this coordinator knows no such type. */
    protected abstract Type type(short id);

    /** The error for a record type this coordinator does not know; by default, a type the loader skips. */
    protected RuntimeException unknownType(short id) {
        return new UnknownTypeException("Unknown " + what + " record type " + id);
    }

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
            throw new DecodeException("A " + what + " record key needs at least 2 bytes, got " + key.length);
        }
        ByteBuf kb = Unpooled.wrappedBuffer(key);
        try {
            short id = kb.readShort();
            Type t = type(id);
            if (t == null) {
                throw unknownType(id);
            }
            Message k = t.newKey().get();
            k.read(kb, (short) 0);
            if (value == null) {
                return TypedRecord.tombstone(k);
            }
            short version = versionOf(value);
            return new TypedRecord(k, readValue(t, value, version), version);
        } finally {
            kb.release();
        }
    }

    private Message readValue(Type t, byte[] value, short version) {
        if (version < t.lowestVersion() || version > t.highestVersion()) {
            throw new DecodeException("Unsupported version " + version + " of a " + t.name() + " value ("
                    + t.lowestVersion() + "-" + t.highestVersion() + " are known)");
        }
        ByteBuf vb = Unpooled.wrappedBuffer(value, 2, value.length - 2);
        try {
            Message v = t.newValue().get();
            v.read(vb, version);
            return v;
        } finally {
            vb.release();
        }
    }

    private short versionOf(byte[] value) {
        if (value.length < 2) {
            throw new DecodeException("A " + what + " record value needs at least 2 bytes, got " + value.length);
        }
        return (short) (((value[0] & 0xff) << 8) | (value[1] & 0xff));
    }
}
