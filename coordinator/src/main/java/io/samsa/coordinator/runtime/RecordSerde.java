package io.samsa.coordinator.runtime;

import io.samsa.coordinator.CoordinatorRecord;

/**
 * Turns a coordinator's {@link TypedRecord}s into the key and value bytes of its partition and back. Stateless
 * and thread-safe.
 */
public interface RecordSerde {

    /** The key and value bytes of {@code record}. */
    CoordinatorRecord serialize(TypedRecord record);

    /**
     * The record that {@code key} and {@code value} (null: a tombstone) hold.
     *
     * @throws UnknownTypeException for a record type this coordinator does not know (the loader skips it)
     * @throws IncompatibleFormatException for data this version cannot read at all (the partition is refused)
     * @throws io.samsa.wire.DecodeException for bytes that are not a valid record of their type
     */
    TypedRecord deserialize(byte[] key, byte[] value);

    /** A record type this coordinator does not know; skipping it is safe. */
    final class UnknownTypeException extends RuntimeException {
        public UnknownTypeException(String message) {
            super(message);
        }
    }

    /** A partition written in a format this version cannot read; loading it must stop. */
    final class IncompatibleFormatException extends RuntimeException {
        public IncompatibleFormatException(String message) {
            super(message);
        }
    }
}
