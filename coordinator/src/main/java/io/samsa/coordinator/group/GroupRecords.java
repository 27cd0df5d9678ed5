package io.samsa.coordinator.group;

import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.wire.DecodeException;

/**
 * The group coordinator's record keys in {@code __consumer_offsets}. A key is compaction-friendly:
 * {@code type, group[, topic, partition]}, so the latest value per group (or per committed partition)
 * survives compaction and a tombstone removes it.
 *
 * <pre>
 * key   = int16 type | string group | (type OFFSET_COMMIT: string topic | int32 partition)
 * value = int16 version | ... (see OffsetStore.Committed, ClassicGroup, ConsumerGroup)
 * string = int32 length (-1 = null) | UTF-8 bytes
 * </pre>
 *
 * <p>Type numbers start at 100 so that they never read as one of Kafka's own key versions (0-2).
 */
final class GroupRecords {
    static final short OFFSET_COMMIT = 100;
    static final short CLASSIC_GROUP = 101;
    static final short CONSUMER_GROUP = 102;

    private GroupRecords() {
    }

    /** A decoded key. {@code topic} is null and {@code partition} -1 for group keys. */
    record Key(short type, String group, String topic, int partition) {
    }

    static byte[] offsetKey(String group, String topic, int partition) {
        return new Bytes.Writer().i16(OFFSET_COMMIT).str(group).str(topic).i32(partition).toByteArray();
    }

    static byte[] groupKey(short type, String group) {
        return new Bytes.Writer().i16(type).str(group).toByteArray();
    }

    static Key decodeKey(byte[] key) {
        Bytes.Reader r = new Bytes.Reader(key);
        short type = (short) r.i16();
        String group = r.str();
        if (group == null) {
            throw new DecodeException("Null group id in record key");
        }
        return switch (type) {
            case OFFSET_COMMIT -> new Key(type, group, r.str(), r.i32());
            case CLASSIC_GROUP, CONSUMER_GROUP -> new Key(type, group, null, -1);
            default -> throw new DecodeException("Unknown record type " + type);
        };
    }

    static CoordinatorRecord offset(String group, String topic, int partition, OffsetStore.Committed c) {
        return new CoordinatorRecord(offsetKey(group, topic, partition), c.encode());
    }

    static CoordinatorRecord offsetTombstone(String group, String topic, int partition) {
        return CoordinatorRecord.tombstone(offsetKey(group, topic, partition));
    }

    static CoordinatorRecord classicGroup(ClassicGroup g) {
        return new CoordinatorRecord(groupKey(CLASSIC_GROUP, g.groupId), g.encode());
    }

    static CoordinatorRecord consumerGroup(ConsumerGroup g) {
        return new CoordinatorRecord(groupKey(CONSUMER_GROUP, g.groupId), g.encode());
    }

    /**
     * An upper bound of the bytes {@code r} takes as the only record of a v2 batch: the 61-byte batch header,
     * the record's varint fields (at most 5 bytes each, 7 of them) and its key and value.
     */
    static int sizeInBatch(CoordinatorRecord r) {
        long size = 61L + 7 * 5 + r.key().length + (r.value() == null ? 0 : r.value().length);
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    static CoordinatorRecord groupTombstone(short type, String group) {
        return CoordinatorRecord.tombstone(groupKey(type, group));
    }
}
