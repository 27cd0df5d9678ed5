package io.samsa.coordinator.runtime;

/**
 * The state a coordinator keeps for one partition of its topic (e.g. the groups and offsets of one
 * {@code __consumer_offsets} partition). Not thread-safe: the {@link CoordinatorRuntime} calls every
 * method on its one event thread.
 *
 * <p>Lifecycle: created when the partition starts loading, fed every record of the partition through
 * {@link #replay}, told {@link #onLoaded} once, then serves operations until {@link #onUnloaded}.
 */
public interface CoordinatorShard {

    /** Applies one record read from the partition during loading; {@code value} is null for a tombstone. */
    void replay(long offset, byte[] key, byte[] value);

    /** Loading is complete: start timers (session expiry, offset expiry) through {@code ctx}. */
    void onLoaded(WriteContext ctx);

    /**
     * The partition is no longer served here (resignation, failed write, shutdown): answer every parked
     * request (with NOT_COORDINATOR). Timers are already cancelled.
     */
    void onUnloaded();
}
