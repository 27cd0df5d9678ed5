package io.samsa.replication;

import io.samsa.common.SerialExecutor;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The one owner of cross-thread hand-offs to partitions: the shards (one {@link SerialExecutor} each; in production
 * the Netty worker event loops), the fixed choice of a partition's shard, the hand-off of one task to a partition's
 * shard ({@link #execute}), and the scatter/gather of a request's per-partition work ({@link #scatter}): each
 * {@link Part} runs on its partition's shard, and once the last one has run its {@link Gather} runs on the caller's
 * executor.
 *
 * <p>A hand-off runs the task at once when the caller already is on the shard and queues it otherwise
 * ({@link SerialExecutor#runOrExecute}): a produce to a partition of the connection's own event loop costs no hop at
 * all. The gather needs no lock: parts write their own fields, and an atomic count hands them to the gathering thread
 * (the last part's decrement happens before the gather reads them).
 *
 * <p>Hot path: a scatter allocates nothing itself; callers reuse one {@link Part} object per partition and one
 * {@link Gather} per request (no capturing lambdas, no boxed collections). Immutable and thread-safe.
 */
public final class ShardProxy {
    private final SerialExecutor[] shards;

    /** {@code shards} in a fixed order (the order decides which partition each one owns). */
    public ShardProxy(List<? extends SerialExecutor> shards) {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("At least one shard is needed");
        }
        this.shards = shards.toArray(new SerialExecutor[0]);
    }

    /** The number of shards. */
    public int size() {
        return shards.length;
    }

    /** The shard that owns {@code topic}-{@code partition} for the life of the process (a hash of both). */
    public SerialExecutor shardOf(String topic, int partition) {
        return shards[Math.floorMod(31 * topic.hashCode() + partition, shards.length)];
    }

    /** The shard that owns {@code p}: the only thread that changes its log and state. */
    public SerialExecutor shardOf(Partition p) {
        return p.shard();
    }

    /**
     * Runs {@code task} on {@code p}'s shard: now when the caller is on it, else queued behind the shard's earlier
     * tasks (so it sees every change handed over before it). Any thread.
     *
     * @throws RejectedExecutionException when the shard has stopped
     */
    public void execute(Partition p, Runnable task) {
        p.shard().runOrExecute(task);
    }

    /**
     * Runs every part on its partition's shard, then {@code gather} on its home executor (at once when nothing had
     * to hop, e.g. no parts). The parts run in list order on each shard; a part that throws records its error and
     * still counts. A part whose shard has stopped fails with the {@link RejectedExecutionException}. Call once per
     * gather, from any thread; the caller must not touch the parts until the gather runs.
     */
    public void scatter(Gather gather, List<? extends Part> parts) {
        int n = parts.size();
        Gather.PENDING.set(gather, n + 1);
        for (int i = 0; i < n; i++) {
            Part part = parts.get(i);
            part.gather = gather;
            try {
                part.partition.shard().runOrExecute(part);
            } catch (RejectedExecutionException e) {
                part.error = e;
                gather.partDone();
            }
        }
        gather.partDone();
    }

    /**
     * One partition's share of a scattered request: {@link #runOnShard} runs on the partition's shard; whatever it
     * stores in its own fields is visible to the {@link Gather} afterwards. Used once.
     */
    public abstract static class Part implements Runnable {
        protected final Partition partition;
        private Gather gather;
        private Throwable error;

        protected Part(Partition partition) {
            this.partition = partition;
        }

        /** The work, on the partition's shard. A throwable it raises becomes {@link #error()}. */
        protected abstract void runOnShard();

        /** Called by the shard: runs the work and counts it done. */
        @Override
        public final void run() {
            try {
                runOnShard();
            } catch (Throwable t) {
                error = t;
            } finally {
                gather.partDone();
            }
        }

        public final Partition partition() {
            return partition;
        }

        /** What {@link #runOnShard} threw (or a later {@link #fail}), else null. Read it in the gather. */
        public final Throwable error() {
            return error;
        }

        /** Replaces the outcome with a failure (the gathering side, after the gather). */
        protected final void fail(Throwable t) {
            error = t;
        }
    }

    /**
     * The end of a scatter: {@link #gathered()} runs once on the home executor after every part has run. Used once.
     */
    public abstract static class Gather implements Runnable {
        static final AtomicIntegerFieldUpdater<Gather> PENDING =
                AtomicIntegerFieldUpdater.newUpdater(Gather.class, "pending");

        private final SerialExecutor home;
        private volatile int pending;

        /** {@code home}: where {@link #gathered()} runs (the caller's executor: a connection's event loop, ...). */
        protected Gather(SerialExecutor home) {
            this.home = home;
        }

        /** Every part has run; read their outcomes. On the home executor. */
        protected abstract void gathered();

        /** Called on the home executor by the hand-off: runs {@link #gathered()}. */
        @Override
        public final void run() {
            gathered();
        }

        final void partDone() {
            if (PENDING.decrementAndGet(this) == 0) {
                home.runOrExecute(this);
            }
        }
    }
}
