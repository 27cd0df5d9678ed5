package io.samsa.coordinator;

import java.util.concurrent.CompletableFuture;

/**
 * How a coordinator loads its state: "replay partition P from its start". Implemented by the server;
 * the coordinator calls it when it becomes the partition's coordinator.
 */
public interface CoordinatorLoader {

    /**
     * Receives replayed records in offset order; called serially from the loader's thread. A loader passes the
     * records of a transactional batch to {@link #acceptTransactional} and the control record of a commit or abort
     * marker to {@link #acceptEndTransaction}, so that a coordinator that writes inside transactions (the group
     * coordinator's transactional offset commits) finds them pending until their marker, as Kafka's loaders do.
     */
    @FunctionalInterface
    interface RecordSink {
        /** One record; {@code value} is null for a tombstone. The arrays are owned by the sink. */
        void accept(long offset, byte[] key, byte[] value);

        /**
         * One record of a transactional batch of producer {@code producerId}: it takes effect only when a commit
         * marker of that producer follows. By default a sink that does not care takes it as a plain record.
         */
        default void acceptTransactional(long offset, long producerId, short producerEpoch, byte[] key,
                                         byte[] value) {
            accept(offset, key, value);
        }

        /** The commit ({@code commit}) or abort marker of producer {@code producerId}'s transaction. */
        default void acceptEndTransaction(long offset, long producerId, short producerEpoch, boolean commit) {
        }
    }

    /**
     * Reads every committed record of partition {@code partition} from its log start offset, in order, into
     * {@code sink}; completes with the offset after the last record read (or exceptionally with a
     * {@link io.samsa.wire.SamsaException}, e.g. NOT_LEADER_OR_FOLLOWER). Must not block the caller.
     */
    CompletableFuture<Long> load(int partition, RecordSink sink);
}
