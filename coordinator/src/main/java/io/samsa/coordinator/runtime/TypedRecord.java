package io.samsa.coordinator.runtime;

import io.samsa.wire.protocol.Message;
import java.util.Objects;

/**
 * One record a coordinator writes to or replays from its partition, as generated messages: the key, whose
 * {@link Message#apiKey()} is the record type, and the value at {@code valueVersion}, or null for a tombstone
 * (compaction removes the key). Immutable by convention: the messages are not copied and must not be modified
 * once the record is built.
 */
public record TypedRecord(Message key, Message value, short valueVersion) {
    public TypedRecord {
        Objects.requireNonNull(key, "key");
    }

    /** The tombstone of {@code key}. */
    public static TypedRecord tombstone(Message key) {
        return new TypedRecord(key, null, (short) 0);
    }

    /** The record type: the key's apiKey. */
    public short type() {
        return key.apiKey();
    }

    /**
     * An upper bound of the bytes this record takes inside a v2 batch, beside the batch's 61-byte header: its varint
     * fields (at most 5 bytes each, 7 of them), its key and value with their 2-byte prefixes.
     */
    public int sizeInBatch() {
        long size = 7 * 5 + 2 + key.size((short) 0) + (value == null ? 0 : 2 + value.size(valueVersion));
        return (int) Math.min(Integer.MAX_VALUE, size);
    }
}
