package io.samsa.coordinator;

import java.util.Objects;

/**
 * One record a coordinator writes to (or replays from) its partition: an opaque key and value in the
 * coordinator's own versioned format. A null value is a tombstone (compaction removes the key).
 * Immutable; the arrays are not copied and must not be modified after construction.
 */
public record CoordinatorRecord(byte[] key, byte[] value) {
    public CoordinatorRecord {
        Objects.requireNonNull(key, "key");
    }

    public static CoordinatorRecord tombstone(byte[] key) {
        return new CoordinatorRecord(key, null);
    }
}
