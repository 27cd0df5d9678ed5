package io.samsa.metadata;

import io.netty.buffer.ByteBuf;
import io.samsa.metadata.record.MetadataRecordType;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.wire.DecodeException;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;

/**
 * The frame of one metadata record in the value of a log record, as KRaft frames them (KIP-631); the log
 * record's key is null:
 *
 * <pre>
 *   unsigned varint  frame version       1
 *   unsigned varint  record type id      the schema's apiKey ({@link MetadataRecordType})
 *   unsigned varint  record version
 *   the record, laid out as that version of its schema (src/main/schemas)
 * </pre>
 *
 * Samsa writes every record type at one version ({@link #writeVersion}: the lowest version that carries every
 * field Samsa sets) and reads every version its schemas define. Stateless and thread-safe.
 */
public final class MetadataRecordSerde {
    /** The only frame version. */
    public static final int FRAME_VERSION = 1;

    private MetadataRecordSerde() {
    }

    /** The type of {@code record}; throws {@link IllegalArgumentException} for a message that is not one. */
    public static MetadataRecordType type(Message record) {
        MetadataRecordType type = MetadataRecordType.fromId(record.apiKey());
        if (type == null || type.newValue().getClass() != record.getClass()) {
            throw new IllegalArgumentException("Not a metadata record: " + record.getClass().getName());
        }
        return type;
    }

    /**
     * The version Samsa writes {@code record} at: version 1 of RegisterBrokerRecord and
     * BrokerRegistrationChangeRecord (the first with InControlledShutdown), version 2 of a PartitionRecord or
     * PartitionChangeRecord that sets the eligible leader replicas (KIP-966), version 0 of every other record (later
     * versions only add fields Samsa does not set yet: log directories).
     */
    public static short writeVersion(Message record) {
        MetadataRecordType type = type(record);
        if (type == MetadataRecordType.REGISTER_BROKER || type == MetadataRecordType.BROKER_REGISTRATION_CHANGE) {
            return 1;
        }
        if (record instanceof PartitionRecord r && (r.eligibleLeaderReplicas() != null || r.lastKnownElr() != null)
                || record instanceof PartitionChangeRecord c
                    && (c.eligibleLeaderReplicas() != null || c.lastKnownElr() != null)) {
            return 2;
        }
        return type.lowestVersion();
    }

    /** The framed size of {@code record}. */
    public static int size(Message record) {
        short version = writeVersion(record);
        return ProtocolCodec.sizeOfUnsignedVarint(FRAME_VERSION) + ProtocolCodec.sizeOfUnsignedVarint(record.apiKey())
            + ProtocolCodec.sizeOfUnsignedVarint(version) + record.size(version);
    }

    /** Writes {@code record} framed at its {@link #writeVersion}. Borrows {@code out}. */
    public static void write(Message record, ByteBuf out) {
        write(record, writeVersion(record), out);
    }

    /** Writes {@code record} framed at {@code version} (tests of older versions). Borrows {@code out}. */
    public static void write(Message record, short version, ByteBuf out) {
        type(record);
        ProtocolCodec.writeUnsignedVarint(out, FRAME_VERSION);
        ProtocolCodec.writeUnsignedVarint(out, record.apiKey());
        ProtocolCodec.writeUnsignedVarint(out, version);
        record.write(out, version);
    }

    /**
     * Reads one framed record that fills the readable bytes of {@code in} (advancing its reader index). Borrows
     * {@code in}.
     *
     * @throws DecodeException for an unknown frame version or record type, a version outside the type's range,
     *     truncated or malformed fields, or bytes left over; nothing else escapes for any input
     */
    public static Message read(ByteBuf in) {
        int frame = readVarint(in, "frame version");
        if (frame != FRAME_VERSION) {
            throw new DecodeException("Unknown metadata record frame version " + frame);
        }
        int id = readVarint(in, "record type");
        MetadataRecordType type = MetadataRecordType.fromId(id);
        if (type == null) {
            throw new DecodeException("Unknown metadata record type " + id);
        }
        int version = readVarint(in, "record version");
        if (version < type.lowestVersion() || version > type.highestVersion()) {
            throw new DecodeException("Metadata record " + type.recordName() + " has version " + version
                + ", outside " + type.lowestVersion() + "-" + type.highestVersion());
        }
        Message record = type.newValue();
        record.read(in, (short) version);
        if (in.isReadable()) {
            throw new DecodeException("Metadata record " + type.recordName() + " v" + version + " is followed by "
                + in.readableBytes() + " unexpected byte(s)");
        }
        return record;
    }

    private static int readVarint(ByteBuf in, String what) {
        try {
            return ProtocolCodec.readUnsignedVarint(in);
        } catch (IndexOutOfBoundsException e) {
            throw new DecodeException("Truncated metadata record: no " + what, e);
        }
    }
}
