package io.samsa.coordinator;

import java.util.Objects;

/**
 * One record a coordinator writes to (or replays from) its partition, as the bytes of its key and value: for the
 * group coordinator, Kafka's {@code __consumer_offsets} layout (an int16 record type then the key; an int16 version
 * then the value). A null value is a tombstone (compaction removes the key). Immutable; the arrays are not copied
 * and must not be modified after construction.
 */
public record CoordinatorRecord(byte[] key, byte[] value) {
    public CoordinatorRecord {
        Objects.requireNonNull(key, "key");
    }

    public static CoordinatorRecord tombstone(byte[] key) {
        return new CoordinatorRecord(key, null);
    }
}
