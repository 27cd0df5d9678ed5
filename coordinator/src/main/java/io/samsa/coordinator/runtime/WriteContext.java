package io.samsa.coordinator.runtime;

import io.samsa.coordinator.CoordinatorRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What one coordinator event may do: write records (each replayed into the shard at once), answer requests once
 * those records (or, without records, every earlier write) are committed, set or cancel timers, and continue in a
 * later event when a future completes. Created by the {@link CoordinatorRuntime} for each event; used only on the
 * event thread during it.
 *
 * <p>An event writes one batch, of one kind: plain records ({@link #append}), one producer's transactional records
 * ({@link #appendTransactional}), or one transaction marker ({@link #appendEndTransaction}).
 */
public final class WriteContext {
    /** The kind of batch this event writes. */
    enum Kind { NONE, PLAIN, TRANSACTIONAL, MARKER }

    private final CoordinatorRuntime<?>.PartitionState partition;
    private final long nowMs;
    final List<CoordinatorRecord> records = new ArrayList<>();
    final List<Completion<?>> completions = new ArrayList<>();
    Kind kind = Kind.NONE;
    long producerId = -1;
    short producerEpoch = -1;
    int markerCoordinatorEpoch = -1;
    boolean markerCommit;
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

    /** A continuation of an event, run as a new write event when a future completes. */
    @FunctionalInterface
    public interface CompletionHandler<T> {
        /** {@code error} is null when the future succeeded with {@code value}. */
        void handle(WriteContext ctx, T value, Throwable error);
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

    /** The leader epoch in which this broker loaded the partition: the coordinator epoch of its markers. */
    public int coordinatorEpoch() {
        return partition.epoch;
    }

    /**
     * Writes {@code record} as part of this event's batch and replays it into the shard before returning: the
     * caller sees the state the record describes, exactly as a later load of the partition will.
     */
    public void append(TypedRecord record) {
        kind(Kind.PLAIN, -1, (short) -1);
        records.add(partition.apply(this, record));
    }

    /**
     * Writes {@code record} in producer {@code producerId}'s transaction: the batch is a transactional batch of that
     * producer, and the shard replays the record with {@link CoordinatorShard#replayTransactional}.
     */
    public void appendTransactional(long producerId, short producerEpoch, TypedRecord record) {
        kind(Kind.TRANSACTIONAL, producerId, producerEpoch);
        records.add(partition.applyTransactional(this, producerId, producerEpoch, record));
    }

    /**
     * Writes the commit ({@code commit}) or abort marker of producer {@code producerId}'s transaction, from the
     * transaction coordinator of epoch {@code coordinatorEpoch}, and replays it with
     * {@link CoordinatorShard#replayEndTransaction}. The event writes nothing else.
     */
    public void appendEndTransaction(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) {
        if (kind != Kind.NONE) {
            throw new IllegalStateException("A transaction marker is a batch of its own");
        }
        kind(Kind.MARKER, producerId, producerEpoch);
        markerCoordinatorEpoch = coordinatorEpoch;
        markerCommit = commit;
        partition.applyEndTransaction(this, producerId, producerEpoch, commit);
    }

    private void kind(Kind k, long pid, short epoch) {
        if (kind == Kind.NONE) {
            kind = k;
            producerId = pid;
            producerEpoch = epoch;
        } else if (kind != k || producerId != pid || producerEpoch != epoch || k == Kind.MARKER) {
            throw new IllegalStateException("One event writes one batch: " + kind + " of producer " + producerId
                    + " cannot take " + k + " of producer " + pid);
        }
    }

    /** Whether this event writes a batch. */
    boolean writes() {
        return kind != Kind.NONE;
    }

    /**
     * Completes {@code future} with {@code value} once this event's records (and every earlier write of the
     * partition) are committed, or exceptionally with the coordinator error if the write fails.
     */
    public <T> void completeAfterCommit(CompletableFuture<T> future, T value) {
        completions.add(new Completion<>(future, value));
    }

    /**
     * Runs {@code handler} as a write event of this partition when {@code future} completes (on any thread), if the
     * partition is then still served by the same load; otherwise the continuation is dropped (the shard's
     * {@link CoordinatorShard#onUnloaded} answers whatever waited on it).
     */
    public <T> void whenComplete(CompletableFuture<T> future, String name, CompletionHandler<T> handler) {
        partition.whenComplete(future, name, handler);
    }

    /**
     * Runs {@code task} as a write event once this event's records are committed, if the partition is then still
     * served by the same load. A failed write reloads the partition, so {@code task} never sees a state that the
     * log does not hold.
     */
    public void afterCommit(String name, Consumer<WriteContext> task) {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        completeAfterCommit(committed, null);
        whenComplete(committed, name, (ctx, v, error) -> {
            if (error == null) {
                task.accept(ctx);
            }
        });
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
