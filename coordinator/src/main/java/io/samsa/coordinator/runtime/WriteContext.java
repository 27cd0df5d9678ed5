package io.samsa.coordinator.runtime;

import io.samsa.coordinator.CoordinatorRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What one coordinator event may do: write records (each replayed into the shard at once), answer requests once
 * those records (or, without records, every earlier write) are committed, and set or cancel timers. Created by
 * the {@link CoordinatorRuntime} for each event; used only on the event thread during it.
 */
public final class WriteContext {
    private final CoordinatorRuntime<?>.PartitionState partition;
    private final long nowMs;
    final List<CoordinatorRecord> records = new ArrayList<>();
    final List<Completion<?>> completions = new ArrayList<>();
    /** Whether a record was replayed (perhaps partly, if the replay threw): the shard's memory has moved. */
    boolean replayed;

    record Completion<T>(CompletableFuture<T> future, T value) {
        void succeed() {
            future.complete(value);
        }

        void fail(Throwable t) {
            future.completeExceptionally(t);
        }
    }

    WriteContext(CoordinatorRuntime<?>.PartitionState partition, long nowMs) {
        this.partition = partition;
        this.nowMs = nowMs;
    }

    /** The time of this event (wall clock, milliseconds). */
    public long now() {
        return nowMs;
    }

    /** The coordinator partition this event runs for. */
    public int partition() {
        return partition.partition;
    }

    /**
     * Writes {@code record} as part of this event's batch and replays it into the shard before returning: the
     * caller sees the state the record describes, exactly as a later load of the partition will.
     */
    public void append(TypedRecord record) {
        records.add(partition.apply(this, record));
    }

    /**
     * Completes {@code future} with {@code value} once this event's records (and every earlier write of the
     * partition) are committed, or exceptionally with the coordinator error if the write fails.
     */
    public <T> void completeAfterCommit(CompletableFuture<T> future, T value) {
        completions.add(new Completion<>(future, value));
    }

    /**
     * Runs {@code task} as a write event after {@code delayMs}, replacing any timer with the same key.
     * Timers die with the partition's load (unload, failed write).
     */
    public void schedule(String key, long delayMs, Consumer<WriteContext> task) {
        partition.schedule(key, delayMs, task);
    }

    /** Cancels the timer {@code key} if set. */
    public void cancel(String key) {
        partition.cancel(key);
    }

    /** Whether timer {@code key} is set. */
    public boolean isScheduled(String key) {
        return partition.isScheduled(key);
    }
}
