package io.samsa.coordinator.runtime;

import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.CoordinatorPartitionWriter;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs coordinator shards, one per partition of the coordinator's topic that this broker leads, on one
 * event thread. Loads a shard by replaying its partition ({@link CoordinatorLoader}); while loading,
 * requests fail with COORDINATOR_LOAD_IN_PROGRESS, and for a partition not loaded here with NOT_COORDINATOR.
 * A write event appends records through its {@link WriteContext}, which replays each into the shard at once
 * (the same {@link CoordinatorShard#replay} that loads the partition), and hands them to the
 * {@link CoordinatorPartitionWriter} as one batch; its answers are released only when that batch is committed.
 * If a write fails, or an event fails after replaying records, the shard is dropped and reloaded from the log,
 * so memory returns to what the committed records say.
 *
 * <p>Thread-safe entry points; every event, timer and completion runs on the event thread given by the
 * executor (a single-threaded executor in the broker, a direct executor in tests). Timers go through the
 * {@link Scheduler} seam, so tests drive them with a manual clock.
 */
public final class CoordinatorRuntime<S extends CoordinatorShard> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorRuntime.class);

    /** Creates the empty shard for a partition. */
    public interface ShardFactory<S> {
        S create(int partition);
    }

    /** Results of a read over every loaded partition. */
    public record ReadAllResult<T>(List<T> results, boolean anyLoading) {
    }

    private enum Status { LOADING, ACTIVE }

    private final String name;
    private final Clock clock;
    private final Scheduler scheduler;
    private final EventQueue events;
    private final CoordinatorPartitionWriter writer;
    private final CoordinatorLoader loader;
    private final RecordSerde serde;
    private final ShardFactory<S> factory;
    private final Map<Integer, PartitionState> partitions = new HashMap<>();
    private volatile boolean closed;

    public CoordinatorRuntime(String name, Clock clock, Scheduler scheduler, Executor executor,
                              CoordinatorPartitionWriter writer, CoordinatorLoader loader, RecordSerde serde,
                              ShardFactory<S> factory) {
        this.name = name;
        this.clock = clock;
        this.scheduler = scheduler;
        this.events = new EventQueue(executor);
        this.writer = writer;
        this.loader = loader;
        this.serde = serde;
        this.factory = factory;
    }

    /** One partition's shard and its load, timers and last write. Event thread only. */
    final class PartitionState {
        final int partition;
        final int epoch;
        final S shard;
        Status status = Status.LOADING;
        final Map<String, Scheduler.Cancellable> timers = new HashMap<>();
        CompletableFuture<Long> tail = CompletableFuture.completedFuture(-1L);

        PartitionState(int partition, int epoch, S shard) {
            this.partition = partition;
            this.epoch = epoch;
            this.shard = shard;
        }

        boolean current() {
            return partitions.get(partition) == this;
        }

        void schedule(String key, long delayMs, Consumer<WriteContext> task) {
            cancel(key);
            Scheduler.Cancellable[] self = new Scheduler.Cancellable[1];
            self[0] = scheduler.schedule(() -> events.submit(() -> {
                if (timers.get(key) != self[0]) {
                    return;
                }
                timers.remove(key);
                runEvent("Timer " + key, task);
            }), Math.max(0, delayMs));
            timers.put(key, self[0]);
        }

        <T> void whenComplete(CompletableFuture<T> future, String opName, WriteContext.CompletionHandler<T> handler) {
            future.whenComplete((value, error) -> events.submit(() -> runEvent(opName,
                    ctx -> handler.handle(ctx, value, error == null ? null : unwrap(error)))));
        }

        /** Runs {@code task} as a write event of this load, if it is still the partition's active load. */
        void runEvent(String opName, Consumer<WriteContext> task) {
            if (!current() || status != Status.ACTIVE) {
                return;
            }
            WriteContext ctx = new WriteContext(this, clock.milliseconds());
            try {
                task.accept(ctx);
            } catch (RuntimeException e) {
                log.error("[{} partition={}] {} failed", name, partition, opName, e);
                abort(this, ctx);
                return;
            }
            commit(this, ctx);
        }

        void cancel(String key) {
            Scheduler.Cancellable c = timers.remove(key);
            if (c != null) {
                c.cancel();
            }
        }

        boolean isScheduled(String key) {
            return timers.containsKey(key);
        }

        /** Serializes {@code record} and replays it into the shard (WriteContext.append). */
        CoordinatorRecord apply(WriteContext ctx, TypedRecord record) {
            CoordinatorRecord bytes = serde.serialize(record);
            ctx.replayed = true;
            shard.replay(record);
            return bytes;
        }

        /** Serializes {@code record} and replays it as producer {@code pid}'s (WriteContext.appendTransactional). */
        CoordinatorRecord applyTransactional(WriteContext ctx, long pid, short epoch, TypedRecord record) {
            CoordinatorRecord bytes = serde.serialize(record);
            ctx.replayed = true;
            shard.replayTransactional(pid, epoch, record);
            return bytes;
        }

        /** Replays a transaction marker (WriteContext.appendEndTransaction). */
        void applyEndTransaction(WriteContext ctx, long pid, short epoch, boolean commit) {
            ctx.replayed = true;
            shard.replayEndTransaction(pid, epoch, commit);
        }

        void cancelAllTimers() {
            for (Scheduler.Cancellable c : timers.values()) {
                c.cancel();
            }
            timers.clear();
        }
    }

    /** What a load reads, kept until it completes and replayed on the event thread. Loader's thread only. */
    private static final class LoadBuffer implements CoordinatorLoader.RecordSink {
        /** A record (producerId -1 unless transactional) or a marker. */
        record Entry(long offset, long producerId, short producerEpoch, boolean marker, boolean commit, byte[] key,
                     byte[] value) {
        }

        final List<Entry> entries = new ArrayList<>();

        @Override
        public void accept(long offset, byte[] key, byte[] value) {
            entries.add(new Entry(offset, -1, (short) -1, false, false, key, value));
        }

        @Override
        public void acceptTransactional(long offset, long producerId, short producerEpoch, byte[] key,
                                        byte[] value) {
            entries.add(new Entry(offset, producerId, producerEpoch, false, false, key, value));
        }

        @Override
        public void acceptEndTransaction(long offset, long producerId, short producerEpoch, boolean commit) {
            entries.add(new Entry(offset, producerId, producerEpoch, true, commit, null, null));
        }
    }

    /** Starts loading {@code partition} (this broker became its leader in {@code epoch}). */
    public void scheduleLoad(int partition, int epoch) {
        events.submit(() -> load(partition, epoch));
    }

    /** Stops serving {@code partition} (this broker stopped leading it); a newer epoch's load is kept. */
    public void scheduleUnload(int partition, int epoch) {
        events.submit(() -> {
            PartitionState st = partitions.get(partition);
            if (st != null && (epoch < 0 || st.epoch <= epoch)) {
                unload(st, "resigned in epoch " + epoch);
            }
        });
    }

    private void load(int partition, int epoch) {
        if (closed) {
            return;
        }
        PartitionState old = partitions.get(partition);
        if (old != null) {
            if (old.epoch >= epoch && epoch >= 0) {
                return;
            }
            unload(old, "reloading in epoch " + epoch);
        }
        PartitionState st = new PartitionState(partition, epoch, factory.create(partition));
        partitions.put(partition, st);
        log.info("[{} partition={}] Loading in epoch {}", name, partition, epoch);
        long start = clock.milliseconds();
        LoadBuffer buffered = new LoadBuffer();
        CompletableFuture<Long> loaded;
        try {
            loaded = loader.load(partition, buffered);
        } catch (RuntimeException e) {
            loaded = CompletableFuture.failedFuture(e);
        }
        loaded.whenComplete((end, err) -> events.submit(() -> {
            if (!st.current()) {
                return;
            }
            if (err != null) {
                Throwable cause = unwrap(err);
                if (cause instanceof SamsaException s && s.errorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                    // Leadership moved while loading: the resignation (or a newer election) follows.
                    log.info("[{} partition={}] Load abandoned: {}", name, partition, cause.getMessage());
                } else {
                    log.warn("[{} partition={}] Load failed: {}", name, partition, cause.toString());
                }
                partitions.remove(partition);
                return;
            }
            int applied = 0;
            for (LoadBuffer.Entry r : buffered.entries) {
                if (r.marker()) {
                    st.shard.replayEndTransaction(r.producerId(), r.producerEpoch(), r.commit());
                    applied++;
                    continue;
                }
                TypedRecord record;
                try {
                    record = serde.deserialize(r.key(), r.value());
                } catch (RecordSerde.UnknownTypeException e) {
                    log.warn("[{} partition={}] Skipping record at offset {}: {}", name, partition, r.offset(),
                            e.getMessage());
                    continue;
                } catch (RecordSerde.IncompatibleFormatException e) {
                    log.error("[{} partition={}] Refusing to load the partition (record at offset {}): {}", name,
                            partition, r.offset(), e.getMessage());
                    partitions.remove(partition);
                    return;
                } catch (RuntimeException e) {
                    log.error("[{} partition={}] Skipping unreadable record at offset {}", name, partition,
                            r.offset(), e);
                    continue;
                }
                try {
                    if (r.producerId() >= 0) {
                        st.shard.replayTransactional(r.producerId(), r.producerEpoch(), record);
                    } else {
                        st.shard.replay(record);
                    }
                    applied++;
                } catch (RuntimeException e) {
                    log.error("[{} partition={}] Skipping record at offset {} that does not apply", name, partition,
                            r.offset(), e);
                }
            }
            st.status = Status.ACTIVE;
            log.info("[{} partition={}] Loaded {} records up to offset {} in {} ms", name, partition, applied, end,
                    clock.milliseconds() - start);
            WriteContext ctx = new WriteContext(st, clock.milliseconds());
            st.shard.onLoaded(ctx);
            commit(st, ctx);
        }));
    }

    private void unload(PartitionState st, String why) {
        partitions.remove(st.partition);
        st.cancelAllTimers();
        log.info("[{} partition={}] Unloaded: {}", name, st.partition, why);
        try {
            st.shard.onUnloaded();
        } catch (RuntimeException e) {
            log.error("[{} partition={}] Unload failed", name, st.partition, e);
        }
    }

    /**
     * Runs {@code op} on the shard of {@code partition} as a write event: its result is delivered when the
     * records it wrote through the context are committed. A {@link SamsaException} thrown by {@code op}
     * fails the future with it, any other exception with UNKNOWN_SERVER_ERROR; if {@code op} had replayed
     * records by then, they are not written and the partition is reloaded from the log.
     */
    public <T> CompletableFuture<T> scheduleWrite(int partition, String opName, BiFunction<S, WriteContext, T> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        events.submit(() -> {
            PartitionState st = activeOrFail(partition, result);
            if (st == null) {
                return;
            }
            WriteContext ctx = new WriteContext(st, clock.milliseconds());
            T value;
            try {
                value = op.apply(st.shard, ctx);
            } catch (SamsaException e) {
                result.completeExceptionally(e);
                abort(st, ctx);
                return;
            } catch (RuntimeException e) {
                log.error("[{} partition={}] {} failed", name, partition, opName, e);
                result.completeExceptionally(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage()));
                abort(st, ctx);
                return;
            }
            ctx.completeAfterCommit(result, value);
            commit(st, ctx);
        });
        return result;
    }

    /** Runs {@code op} on the shard of {@code partition} without writing; completes at once. */
    public <T> CompletableFuture<T> scheduleRead(int partition, String opName, Function<S, T> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        events.submit(() -> {
            PartitionState st = activeOrFail(partition, result);
            if (st == null) {
                return;
            }
            try {
                result.complete(op.apply(st.shard));
            } catch (SamsaException e) {
                result.completeExceptionally(e);
            } catch (RuntimeException e) {
                log.error("[{} partition={}] {} failed", name, partition, opName, e);
                result.completeExceptionally(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage()));
            }
        });
        return result;
    }

    /** Runs {@code op} on every loaded shard (ListGroups); reports whether any partition is still loading. */
    public <T> CompletableFuture<ReadAllResult<T>> scheduleReadAll(String opName, Function<S, T> op) {
        CompletableFuture<ReadAllResult<T>> result = new CompletableFuture<>();
        events.submit(() -> {
            List<T> out = new ArrayList<>();
            boolean loading = false;
            try {
                for (PartitionState st : partitions.values()) {
                    if (st.status == Status.ACTIVE) {
                        out.add(op.apply(st.shard));
                    } else {
                        loading = true;
                    }
                }
                result.complete(new ReadAllResult<>(out, loading));
            } catch (RuntimeException e) {
                log.error("[{}] {} failed", name, opName, e);
                result.completeExceptionally(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage()));
            }
        });
        return result;
    }

    /** Runs {@code op} as a write event on every loaded shard (offset expiry across partitions, tests). */
    public void scheduleWriteAll(String opName, BiFunction<S, WriteContext, ?> op) {
        events.submit(() -> {
            for (PartitionState st : new ArrayList<>(partitions.values())) {
                if (st.status == Status.ACTIVE) {
                    scheduleWrite(st.partition, opName, op);
                }
            }
        });
    }

    /** Whether {@code partition} is loaded here (for FindCoordinator-like checks); any thread, racy. */
    public CompletableFuture<Boolean> isActive(int partition) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        events.submit(() -> {
            PartitionState st = partitions.get(partition);
            f.complete(st != null && st.status == Status.ACTIVE);
        });
        return f;
    }

    private PartitionState activeOrFail(int partition, CompletableFuture<?> result) {
        PartitionState st = partitions.get(partition);
        if (st == null || closed) {
            result.completeExceptionally(new SamsaException(ErrorCode.NOT_COORDINATOR,
                    "This broker is not the coordinator for partition " + partition + " of " + name));
            return null;
        }
        if (st.status == Status.LOADING) {
            result.completeExceptionally(new SamsaException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
                    "Partition " + partition + " of " + name + " is still loading"));
            return null;
        }
        return st;
    }

    private void commit(PartitionState st, WriteContext ctx) {
        List<WriteContext.Completion<?>> completions = ctx.completions;
        if (!ctx.writes()) {
            if (completions.isEmpty()) {
                return;
            }
            if (st.tail.isDone() && !st.tail.isCompletedExceptionally()) {
                completions.forEach(WriteContext.Completion::succeed);
                return;
            }
            st.tail.whenComplete((off, err) -> events.submit(() -> finish(st, completions, err, false)));
            return;
        }
        List<CoordinatorRecord> records = List.copyOf(ctx.records);
        CompletableFuture<Long> append;
        try {
            append = switch (ctx.kind) {
                case TRANSACTIONAL -> writer.appendTransactional(st.partition, ctx.producerId, ctx.producerEpoch,
                        records);
                case MARKER -> writer.appendEndTransaction(st.partition, ctx.producerId, ctx.producerEpoch,
                        ctx.markerCoordinatorEpoch, ctx.markerCommit);
                default -> writer.append(st.partition, records);
            };
        } catch (RuntimeException e) {
            append = CompletableFuture.failedFuture(e);
        }
        st.tail = append;
        append.whenComplete((off, err) -> events.submit(() -> finish(st, completions, err, true)));
    }

    private void finish(PartitionState st, List<WriteContext.Completion<?>> completions, Throwable err,
                        boolean ownWrite) {
        if (err == null) {
            completions.forEach(WriteContext.Completion::succeed);
            return;
        }
        SamsaException mapped = mapWriteError(unwrap(err), st.partition);
        completions.forEach(c -> c.fail(mapped));
        if (ownWrite && st.current()) {
            log.warn("[{} partition={}] Write failed ({}); reloading from the log", name, st.partition,
                    unwrap(err).toString());
            unload(st, "write failed");
            if (mapped.errorCode() != ErrorCode.NOT_COORDINATOR && !closed) {
                load(st.partition, st.epoch);
            }
        }
    }

    /**
     * An event failed. If it replayed nothing, its completions still wait for earlier writes as usual; if it did,
     * the shard's memory may be half-changed, so its records are dropped, its answers fail and the partition is
     * reloaded from the log.
     */
    private void abort(PartitionState st, WriteContext ctx) {
        if (!ctx.replayed) {
            commit(st, ctx);
            return;
        }
        SamsaException error = new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                ErrorCode.UNKNOWN_SERVER_ERROR.defaultMessage());
        ctx.completions.forEach(c -> c.fail(error));
        if (st.current()) {
            log.error("[{} partition={}] An event failed after changing state; reloading from the log", name,
                    st.partition);
            unload(st, "event failed");
            // Reload once the writes already handed to the writer are settled, so that the load sees them.
            st.tail.whenComplete((off, err) -> events.submit(() -> {
                if (!closed && !partitions.containsKey(st.partition)) {
                    load(st.partition, st.epoch);
                }
            }));
        }
    }

    /** Kafka's mapping of a failed coordinator write to the error the client sees. */
    static SamsaException mapWriteError(Throwable t, int partition) {
        ErrorCode code = t instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
        ErrorCode out = switch (code) {
            case NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR ->
                    ErrorCode.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> ErrorCode.UNKNOWN_SERVER_ERROR;
            // A transactional batch or a marker the partition refused for its producer: the client's answer.
            case INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, INVALID_PRODUCER_ID_MAPPING, INVALID_TXN_STATE,
                 TRANSACTION_ABORTABLE, TRANSACTION_COORDINATOR_FENCED -> code;
            default -> ErrorCode.COORDINATOR_NOT_AVAILABLE;
        };
        return new SamsaException(out, "Write to coordinator partition " + partition + " failed: " + code.name());
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Unloads every partition (answering parked requests with NOT_COORDINATOR). */
    @Override
    public void close() {
        events.submit(() -> {
            closed = true;
            for (PartitionState st : new ArrayList<>(partitions.values())) {
                unload(st, "shutting down");
            }
        });
    }
}
