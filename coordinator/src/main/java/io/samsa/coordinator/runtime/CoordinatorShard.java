package io.samsa.coordinator.runtime;

/**
 * The state a coordinator keeps for one partition of its topic (e.g. the groups and offsets of one
 * {@code __consumer_offsets} partition). Not thread-safe: the {@link CoordinatorRuntime} calls every
 * method on its one event thread.
 *
 * <p>Durable state changes only in the replay methods: an operation decides what records to write and appends them
 * through its {@link WriteContext}, which replays each one at once; loading replays the partition's records
 * through the same methods. State that Kafka keeps in memory only (parked requests, timers, a classic group's
 * rebalance in progress) is changed by the operations themselves.
 *
 * <p>Lifecycle: created when the partition starts loading, fed every record of the partition through the replay
 * methods, told {@link #onLoaded} once, then serves operations until {@link #onUnloaded}.
 */
public interface CoordinatorShard {

    /**
     * Applies one record: read from the partition while loading, or just appended by an operation. Deterministic:
     * the same records in the same order give the same state.
     *
     * @throws RuntimeException when the record contradicts the state (a bug, or a corrupt partition)
     */
    void replay(TypedRecord record);

    /**
     * Applies one record written inside producer {@code producerId}'s transaction: it must not take effect before
     * the producer's commit marker ({@link #replayEndTransaction}). By default a shard writes no such records.
     */
    default void replayTransactional(long producerId, short producerEpoch, TypedRecord record) {
        throw new IllegalStateException("This coordinator has no transactional records (producer " + producerId
                + ", record type " + record.type() + ")");
    }

    /** Applies the commit ({@code commit}) or abort marker of producer {@code producerId}'s transaction. */
    default void replayEndTransaction(long producerId, short producerEpoch, boolean commit) {
    }

    /** Loading is complete: start timers (session expiry, offset expiry) through {@code ctx}. */
    void onLoaded(WriteContext ctx);

    /**
     * The partition is no longer served here (resignation, failed write, shutdown): answer every parked
     * request (with NOT_COORDINATOR). Timers are already cancelled.
     */
    void onUnloaded();
}
