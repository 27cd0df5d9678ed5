package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.common.SerialExecutor;
import io.samsa.log.AppendResult;
import io.samsa.log.VerificationGuard;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;

/**
 * The one owner of acks completion: appends a request's batches, each on its partition's shard ({@link ShardProxy}),
 * gathers the outcomes back on the request's home executor, and completes by {@code acks}:
 *
 * <ul>
 *   <li>{@code 0}: as soon as the appends are done;
 *   <li>{@code 1}: once the appends are done and, when they asked for an fsync ({@code flush.messages} reached),
 *       durable; a failed fsync is KAFKA_STORAGE_ERROR;
 *   <li>{@code -1} (all): once the high watermark has passed every appended batch (in durable mode that is after
 *       the fsync: the shard moves it when the flusher reports), or with REQUEST_TIMED_OUT after the timeout, or
 *       NOT_LEADER_OR_FOLLOWER when leadership moved before that. The ISR must hold {@code min.insync.replicas} at
 *       the append (NOT_ENOUGH_REPLICAS) and still when the high watermark passed
 *       (NOT_ENOUGH_REPLICAS_AFTER_APPEND, as Kafka's). A partition deleted meanwhile completes with the offsets it
 *       gave.
 * </ul>
 *
 * Subclasses say what completion means: the Produce handler answers the client, the coordinator's partition writer
 * completes a future.
 *
 * <p>An append may ask to wait before it writes ({@link Append#defer()} in {@link Append#runOnShard}: a transactional
 * batch whose transaction the coordinator must confirm first). When any did, {@link #onAppendsDeferred} runs on the
 * home executor instead of the acks logic; the subclass settles each deferred append ({@link Append#reject}, or leaves
 * it to run again) and calls {@link #resumeDeferred()}, which runs the remaining ones on their shards once more and
 * then goes on as usual. Requests that defer nothing pay one flag check per append. {@link #onProduceComplete} runs exactly once, on the home executor, and then every
 * {@link Append} holds its final outcome: a result, or an error.
 *
 * <p>Threads: build and {@link #start} on the home executor (a connection's event loop, or a partition's shard);
 * appends on the shards; waiting, completion and the timeout (through the {@link io.samsa.common.Scheduler} seam of
 * the home executor) on the home executor. Hot path: one object per partition (the {@link Append}) and one per
 * request (the gather); no capturing lambdas, no boxed collections.
 *
 * @param <A> the caller's kind of append (to carry its response fields)
 */
public abstract class DelayedProduce<A extends DelayedProduce.Append> extends DelayedOperation {
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<DelayedProduce> FSYNCS_PENDING =
            AtomicIntegerFieldUpdater.newUpdater(DelayedProduce.class, "fsyncsPending");

    private final SerialExecutor home;
    private final ShardProxy shards;
    private final int requiredAcks;
    private final long timeoutMs;
    private final ArrayList<A> appends;
    /** acks=1: appends whose fsync has not completed yet; the last one wakes the request. */
    private volatile int fsyncsPending;

    /**
     * @param home         where the gather, the checks and the completion run
     * @param requiredAcks 0, 1 or -1 (validated by the caller)
     * @param timeoutMs    how long acks=-1 waits for the high watermark; negative: no limit
     * @param partitions   the expected number of appends (a sizing hint)
     */
    protected DelayedProduce(SerialExecutor home, ShardProxy shards, int requiredAcks, long timeoutMs,
                             int partitions) {
        super(home);
        this.home = home;
        this.shards = shards;
        this.requiredAcks = requiredAcks;
        this.timeoutMs = timeoutMs;
        this.appends = new ArrayList<>(partitions);
    }

    /** Adds one partition's append. Before {@link #start}. */
    public final void add(A append) {
        ((Append) append).requiredAcks = requiredAcks;
        appends.add(append);
    }

    /** The appends, in the order added. Read them in {@link #onProduceComplete}; do not change the list. */
    public final List<A> appends() {
        return appends;
    }

    public final int requiredAcks() {
        return requiredAcks;
    }

    /** Hands every append to its shard; the rest happens on the home executor. Once, after the adds. */
    public final void start() {
        shards.scatter(new Appended(), appends);
    }

    /**
     * Runs on the home executor, once per round, when appends asked to wait ({@link Append#isDeferred()}): settle
     * them and call {@link #resumeDeferred()}, now or later (from any thread). The default resumes at once.
     */
    protected void onAppendsDeferred() {
        resumeDeferred();
    }

    /**
     * Runs the appends still deferred on their shards again (each {@link Append#runOnShard} once more), then goes on
     * with acks; with none left, goes on at once. Any thread; once per {@link #onAppendsDeferred}.
     */
    public final void resumeDeferred() {
        ArrayList<A> again = new ArrayList<>();
        for (int i = 0; i < appends.size(); i++) {
            A a = appends.get(i);
            if (((Append) a).deferred) {
                ((Append) a).deferred = false;
                again.add(a);
            }
        }
        if (again.isEmpty()) {
            home.runOrExecute(this::appendsDone);
        } else {
            shards.scatter(new Appended(), again);
        }
    }

    /**
     * Runs once, on the home executor, when the produce is complete ({@code expired}: by its timeout). Every append
     * now holds its outcome.
     */
    protected abstract void onProduceComplete(boolean expired);

    /** The gather: every append has run. */
    private final class Appended extends ShardProxy.Gather {
        Appended() {
            super(home);
        }

        @Override
        protected void gathered() {
            for (int i = 0; i < appends.size(); i++) {
                if (((Append) appends.get(i)).deferred) {
                    onAppendsDeferred();
                    return;
                }
            }
            appendsDone();
        }
    }

    private void appendsDone() {
        if (requiredAcks == 0) {
            complete();
            return;
        }
        if (requiredAcks == 1) {
            // One hop back once every fsync is done, whichever flusher thread finishes last. The count starts at
            // one (a guard dropped below), so an fsync finishing during the loop cannot reach zero early.
            FSYNCS_PENDING.set(this, 1);
            BiConsumer<Void, Throwable> wake = null;
            for (int i = 0; i < appends.size(); i++) {
                Append a = appends.get(i);
                if (a.error() == null && !a.result.durable().isDone()) {
                    if (wake == null) {
                        wake = this::fsynced;
                    }
                    FSYNCS_PENDING.incrementAndGet(this);
                    a.result.durable().whenComplete(wake);
                }
            }
            if (wake == null) {
                complete();
            } else {
                fsynced(null, null);
            }
            return;
        }
        if (tryComplete()) {
            return;
        }
        for (int i = 0; i < appends.size(); i++) {
            Append a = appends.get(i);
            if (a.error() == null) {
                a.partition().watch(this);
            }
        }
        if (tryComplete()) {
            return;
        }
        if (timeoutMs >= 0) {
            expireAfter(home, timeoutMs);
        }
    }

    /** acks=1: an append's fsync finished (a flusher's thread); after the last, check on the home executor. */
    private void fsynced(Void ignored, Throwable error) {
        if (FSYNCS_PENDING.decrementAndGet(this) == 0) {
            onPartitionChange();
        }
    }

    @Override
    protected final boolean tryComplete() {
        for (int i = 0; i < appends.size(); i++) {
            if (!settled(appends.get(i))) {
                return false;
            }
        }
        return complete();
    }

    private boolean settled(Append a) {
        if (a.error() != null) {
            return true;
        }
        CompletableFuture<Void> durable = a.result.durable();
        if (requiredAcks == 1) {
            return durable.isDone();
        }
        Partition p = a.partition();
        return p.highWatermark() > a.result.lastOffset() || durable.isCompletedExceptionally() || p.isDeleted()
                || leadershipMoved(a);
    }

    private static boolean leadershipMoved(Append a) {
        Partition p = a.partition();
        return !p.isLeader() || p.leaderEpoch() != a.leaderEpoch;
    }

    @Override
    protected final void onComplete(boolean expired) {
        if (requiredAcks != 0) {
            for (int i = 0; i < appends.size(); i++) {
                finalOutcome(appends.get(i), expired);
            }
        }
        onProduceComplete(expired);
    }

    private void finalOutcome(Append a, boolean expired) {
        if (a.error() != null) {
            return;
        }
        Partition p = a.partition();
        AppendResult r = a.result;
        if (r.durable().isCompletedExceptionally()) {
            a.fail(new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The write to " + p.name()
                    + " could not be made durable"));
            return;
        }
        if (requiredAcks != -1) {
            return;
        }
        a.committed = p.highWatermark() > r.lastOffset();
        if (a.committed) {
            // Kafka's check when the high watermark passed: the ISR may have shrunk below min.insync.replicas since
            // the append (the batch is committed, but fewer replicas than asked hold it).
            int isr = p.state().isr().size();
            int minIsr = p.effectiveMinInsyncReplicas();
            if (isr < minIsr) {
                a.fail(new SamsaException(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "The size of the current ISR "
                        + p.state().isr() + " is insufficient to satisfy the min.isr requirement of "
                        + minIsr + " for partition " + p.name()));
            }
            return;
        }
        if (p.isDeleted()) {
            return;
        }
        if (leadershipMoved(a)) {
            a.fail(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Lost leadership of " + p.name()
                    + " before offset " + (r.lastOffset() + 1) + " was committed"));
        } else if (expired) {
            a.fail(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "The high watermark of " + p.name()
                    + " did not reach offset " + r.lastOffset() + " within " + timeoutMs + " ms"));
        }
    }

    /**
     * One partition's append: borrows {@code records} (the batches are rewritten in place with their offsets) and
     * appends them as leader on the partition's shard. Subclasses add the caller's fields (a response to fill, a
     * buffer to release); {@link #runOnShard} may be extended, e.g. to release the records after the append.
     */
    public static class Append extends ShardProxy.Part {
        private final ByteBuf records;
        private int requiredAcks;
        private AppendResult result;
        private int leaderEpoch;
        private boolean committed;
        private boolean deferred;
        private VerificationGuard guard = VerificationGuard.NONE;

        public Append(Partition partition, ByteBuf records) {
            super(partition);
            this.records = records;
        }

        /** On the partition's shard: appends the records, presenting the {@link #guard(VerificationGuard)}. */
        @Override
        protected void runOnShard() {
            appended(partition.appendAsLeader(records, requiredAcks, guard));
        }

        /** Records what {@link #runOnShard} appended (an override that appends in its own way calls it). */
        protected final void appended(AppendResult r) {
            result = r;
            leaderEpoch = partition.leaderEpoch();
        }

        /** The acks of the request: 0, 1 or -1. */
        protected final int requiredAcks() {
            return requiredAcks;
        }

        /**
         * In {@link #runOnShard}: this append does not write now; the request's {@link #onAppendsDeferred} decides
         * (it runs again after {@link #resumeDeferred()}, unless rejected).
         */
        protected final void defer() {
            deferred = true;
        }

        /** True while the append waits to run again. */
        public final boolean isDeferred() {
            return deferred;
        }

        /** Settles a deferred append with a failure: it will not run again. Home executor. */
        public final void reject(Throwable error) {
            deferred = false;
            fail(error);
        }

        /** The verification guard the append presents (KIP-890 part 1); {@link VerificationGuard#NONE} by default. */
        public final void guard(VerificationGuard g) {
            guard = g;
        }

        public final VerificationGuard guard() {
            return guard;
        }

        /** The append's outcome (offsets, append time, log start, durability) unless it failed, else null. */
        public final AppendResult result() {
            return error() == null ? result : null;
        }

        /** acks=-1: the high watermark had passed the batch at completion (false for a deleted partition). */
        public final boolean committed() {
            return committed;
        }
    }
}
