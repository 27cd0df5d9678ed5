package io.samsa.coordinator;

import java.util.concurrent.CompletableFuture;

/**
 * How a coordinator loads its state: "replay partition P from its start". Implemented by the server;
 * the coordinator calls it when it becomes the partition's coordinator.
 */
public interface CoordinatorLoader {

    /** Receives replayed records in offset order; called serially from the loader's thread. */
    @FunctionalInterface
    interface RecordSink {
        /** One record; {@code value} is null for a tombstone. The arrays are owned by the sink. */
        void accept(long offset, byte[] key, byte[] value);
    }

    /**
     * Reads every committed record of partition {@code partition} from its log start offset, in order, into
     * {@code sink}; completes with the offset after the last record read (or exceptionally with a
     * {@link io.samsa.wire.SamsaException}, e.g. NOT_LEADER_OR_FOLLOWER). Must not block the caller.
     */
    CompletableFuture<Long> load(int partition, RecordSink sink);
}
