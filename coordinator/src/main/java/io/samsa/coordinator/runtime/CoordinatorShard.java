package io.samsa.coordinator.runtime;

/**
 * The state a coordinator keeps for one partition of its topic (e.g. the groups and offsets of one
 * {@code __consumer_offsets} partition). Not thread-safe: the {@link CoordinatorRuntime} calls every
 * method on its one event thread.
 *
 * <p>Durable state changes only in {@link #replay}: an operation decides what records to write and appends them
 * through its {@link WriteContext}, which replays each one at once; loading replays the partition's records
 * through the same method. State that Kafka keeps in memory only (parked requests, timers, a classic group's
 * rebalance in progress) is changed by the operations themselves.
 *
 * <p>Lifecycle: created when the partition starts loading, fed every record of the partition through
 * {@link #replay}, told {@link #onLoaded} once, then serves operations until {@link #onUnloaded}.
 */
public interface CoordinatorShard {

    /**
     * Applies one record: read from the partition while loading, or just appended by an operation. Deterministic:
     * the same records in the same order give the same state.
     *
     * @throws RuntimeException when the record contradicts the state (a bug, or a corrupt partition)
     */
    void replay(TypedRecord record);

    /** Loading is complete: start timers (session expiry, offset expiry) through {@code ctx}. */
    void onLoaded(WriteContext ctx);

    /**
     * The partition is no longer served here (resignation, failed write, shutdown): answer every parked
     * request (with NOT_COORDINATOR). Timers are already cancelled.
     */
    void onUnloaded();
}
