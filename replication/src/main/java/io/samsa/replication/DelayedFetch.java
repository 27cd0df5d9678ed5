package io.samsa.replication;

import io.samsa.common.SerialExecutor;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.EpochEndOffset;
import io.samsa.log.FileSlice;
import java.util.List;

/**
 * The long poll of a fetch: reads every partition once; when that gives fewer than {@code min_bytes} (and no error)
 * it parks in the purgatory, watching its partitions, and reads again when one of them moves (its high watermark,
 * or its log end for a follower) until {@code min_bytes} are there or {@code max_wait_ms} passes (the timeout goes
 * through the home executor's {@link io.samsa.common.Scheduler} seam), then hands the last read of every partition
 * to {@link #onFetchComplete}. A cheap offsets check runs before any re-read.
 *
 * <p>Each read follows Kafka's sizes: at most {@code max_bytes} in all and {@code partition_max_bytes} per partition,
 * the first non-empty partition's first batch whole even when larger (KIP-74). At READ_COMMITTED a read stops at
 * the last stable offset and lists the aborted transactions it covers.
 *
 * <p>Follower fetches ({@link FetchParams#isFromFollower()}) read up to the log end offset; the leader checks that
 * the fetcher is one of the partition's replicas ({@link Partition#checkFollower}) and records its fetch offset
 * ({@link Partition#recordFollowerFetch}: the follower's log end, which moves the ISR and the high watermark) before
 * the first read. A fetch naming its last fetched epoch whose log diverged from this one gets the epoch to truncate to
 * and no records (KIP-320, {@link PartitionFetch#divergingEpoch()}).
 *
 * <p>What is protocol (sessions, response assembly, sendfile) stays with the caller. Threads: everything on the home
 * executor (the connection's event loop); reads are lock-free. The subclass owns the records of every read handed
 * to it (release them).
 *
 * @param <F> the caller's kind of partition fetch (to carry its protocol fields)
 */
public abstract class DelayedFetch<F extends DelayedFetch.PartitionFetch> extends DelayedOperation {
    private final SerialExecutor home;
    private final FetchParams params;
    private final List<F> partitions;
    /** The last read satisfied the request: hand it over instead of reading again. Home executor only. */
    private boolean ready;
    private long bytes;
    private boolean anyError;
    /** The leader's replication throttle for follower fetches, or null. Set before {@link #start()}. */
    private ReplicationQuota leaderQuota;

    protected DelayedFetch(SerialExecutor home, FetchParams params, List<F> partitions) {
        super(home);
        this.home = home;
        this.params = params;
        this.partitions = partitions;
    }

    public final FetchParams params() {
        return params;
    }

    /** The partitions, in the request's order; after completion each holds its last read. */
    public final List<F> partitions() {
        return partitions;
    }

    /**
     * Kafka's leader-side replication throttle for a follower's fetch: a partition the quota throttles, fetched by a
     * follower out of its ISR, reads nothing while the quota is exceeded; the bytes sent for throttled partitions are
     * recorded once the fetch completes. Before {@link #start()}; null (the default) throttles nothing.
     */
    public final void throttle(ReplicationQuota quota) {
        this.leaderQuota = params.isFromFollower() ? quota : null;
    }

    /** Reads once; completes at once or parks. Once, on the home executor. */
    public final void start() {
        checkEpochs();
        readAll();
        if (params.maxWaitMs() <= 0 || bytes >= params.minBytes() || anyError || partitions.isEmpty()) {
            ready = true;
            complete();
            return;
        }
        releaseAll();
        for (int i = 0; i < partitions.size(); i++) {
            Partition p = partitions.get(i).partition;
            if (p != null) {
                p.watch(this);
            }
        }
        if (tryComplete()) {
            return;
        }
        expireAfter(home, params.maxWaitMs());
    }

    /**
     * Runs once on the home executor when the fetch is complete ({@code expired}: {@code max_wait_ms} passed): every
     * partition holds its last read ({@link PartitionFetch#read()}) or error. The caller owns the reads' records.
     */
    protected abstract void onFetchComplete(boolean expired);

    @Override
    protected final boolean tryComplete() {
        if (!mayHaveNews()) {
            return false;
        }
        readAll();
        if (bytes >= params.minBytes() || anyError) {
            ready = true;
            return complete();
        }
        releaseAll();
        return false;
    }

    @Override
    protected final void onComplete(boolean expired) {
        if (!ready) {
            readAll();
        }
        ready = false;
        if (leaderQuota != null) {
            long throttledBytes = 0;
            for (int i = 0; i < partitions.size(); i++) {
                PartitionFetch f = partitions.get(i);
                if (f.read != null && leaderQuota.isThrottled(f.partition.topic(), f.partition.index())) {
                    throttledBytes += f.read.records().length();
                }
            }
            leaderQuota.record(throttledBytes);
        }
        onFetchComplete(expired);
    }

    /**
     * Before the first read: a follower's fetch is checked ({@link Partition#checkFollower}); a fetch naming its last
     * fetched epoch is checked for divergence (KIP-320: {@link Partition#divergingEpoch}, answered with no records);
     * otherwise a follower's fetch offset is recorded as its log end ({@link Partition#recordFollowerFetch}, with its
     * broker epoch), as Kafka records only fetches that did not diverge.
     */
    private void checkEpochs() {
        for (int i = 0; i < partitions.size(); i++) {
            PartitionFetch f = partitions.get(i);
            Partition p = f.partition;
            if (p == null) {
                continue;
            }
            try {
                if (params.isFromFollower()) {
                    p.checkFollower(params.replicaId(), f.currentLeaderEpoch);
                }
                f.diverging = p.divergingEpoch(f.fetchOffset, f.lastFetchedEpoch);
                if (f.diverging == null && params.isFromFollower()) {
                    p.recordFollowerFetch(params.replicaId(), params.replicaEpoch(), f.fetchOffset);
                }
            } catch (RuntimeException e) {
                f.rejected = e;
            }
        }
    }

    /** Cheap check before reading: some partition has data past its fetch offset, or changed state. */
    private boolean mayHaveNews() {
        for (int i = 0; i < partitions.size(); i++) {
            PartitionFetch f = partitions.get(i);
            Partition p = f.partition;
            if (p == null) {
                continue;
            }
            if (!p.canServe(params.fetchOnlyFromLeader())) {
                return true;
            }
            long bound = p.fetchableOffset(params.isolation());
            if (bound > f.fetchOffset || f.fetchOffset > p.logEndOffset() || f.fetchOffset < p.logStartOffset()) {
                return true;
            }
        }
        return false;
    }

    /** Reads every partition once, within the request's and each partition's byte limits. */
    private void readAll() {
        long remaining = params.maxBytes();
        boolean minOneMessage = true;
        bytes = 0;
        anyError = false;
        for (int i = 0; i < partitions.size(); i++) {
            PartitionFetch f = partitions.get(i);
            f.read = null;
            f.error = null;
            f.aborted = null;
            if (f.partition == null) {
                anyError = true;
                continue;
            }
            if (f.rejected != null) {
                f.error = f.rejected;
                anyError = true;
                continue;
            }
            if (f.diverging != null) {
                // No records: the fetcher truncates first. It answers at once, as an error does.
                Partition p = f.partition;
                long hw = p.highWatermark();
                f.read = new PartitionRead(FileSlice.EMPTY, hw, Math.min(p.lastStableOffset(), hw),
                        p.logStartOffset(), p.logEndOffset());
                if (params.isolation() == FetchIsolation.TXN_COMMITTED) {
                    f.aborted = List.of();
                }
                anyError = true;
                continue;
            }
            if (leaderThrottled(f.partition)) {
                Partition p = f.partition;
                long hw = p.highWatermark();
                f.read = new PartitionRead(FileSlice.EMPTY, hw, Math.min(p.lastStableOffset(), hw),
                        p.logStartOffset(), p.logEndOffset());
                continue;
            }
            try {
                int limit = (int) Math.max(0, Math.min(f.maxBytes, remaining));
                PartitionRead r = f.partition.read(f.fetchOffset, limit, params.isolation(), minOneMessage,
                        params.fetchOnlyFromLeader());
                f.read = r;
                if (!r.records().isEmpty()) {
                    int n = r.records().length();
                    remaining -= n;
                    bytes += n;
                    minOneMessage = false;
                }
                if (params.isolation() == FetchIsolation.TXN_COMMITTED) {
                    f.aborted = r.lastStableOffset() <= f.fetchOffset ? List.of()
                            : f.partition.log().collectAbortedTransactions(f.fetchOffset, r.lastStableOffset());
                }
            } catch (Throwable t) {
                if (f.read != null) {
                    f.read.records().release();
                    f.read = null;
                }
                f.error = t;
                anyError = true;
            }
        }
    }

    /** The leader holds back a throttled partition from a follower out of its ISR while the quota is exceeded. */
    private boolean leaderThrottled(Partition p) {
        ReplicationQuota q = leaderQuota;
        return q != null && q.isThrottled(p.topic(), p.index()) && !p.state().isr().contains(params.replicaId())
                && q.isQuotaExceeded();
    }

    private void releaseAll() {
        for (int i = 0; i < partitions.size(); i++) {
            PartitionFetch f = partitions.get(i);
            if (f.read != null) {
                f.read.records().release();
                f.read = null;
            }
        }
    }

    /**
     * One partition of a fetch: what to read, and after completion what was read. {@code partition} is null when
     * the caller failed it before the fetch (an unknown topic, a fenced epoch): it then counts as an error.
     */
    public static class PartitionFetch {
        protected final Partition partition;
        protected final long fetchOffset;
        protected final int maxBytes;
        protected final int currentLeaderEpoch;
        protected final int lastFetchedEpoch;
        private Throwable rejected;
        private EpochEndOffset diverging;
        private PartitionRead read;
        private Throwable error;
        private List<AbortedTransaction> aborted;

        public PartitionFetch(Partition partition, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
            this(partition, fetchOffset, maxBytes, currentLeaderEpoch, -1);
        }

        /** With the epoch of the fetcher's last fetched batch ({@code last_fetched_epoch}, Fetch v12+; -1: none). */
        public PartitionFetch(Partition partition, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                              int lastFetchedEpoch) {
            this.partition = partition;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
            this.currentLeaderEpoch = currentLeaderEpoch;
            this.lastFetchedEpoch = lastFetchedEpoch;
        }

        /**
         * KIP-320: the epoch and end offset the fetcher must truncate to (its log diverged from the leader's; the read
         * is empty), else null.
         */
        public final EpochEndOffset divergingEpoch() {
            return diverging;
        }

        public final Partition partition() {
            return partition;
        }

        public final long fetchOffset() {
            return fetchOffset;
        }

        public final int maxBytes() {
            return maxBytes;
        }

        /** The last read (its records are the caller's to release after completion), or null after an error. */
        public final PartitionRead read() {
            return read;
        }

        /** Why the last read failed, else null. */
        public final Throwable error() {
            return error;
        }

        /** READ_COMMITTED: the aborted transactions the read covers (maybe empty); else null. */
        public final List<AbortedTransaction> abortedTransactions() {
            return aborted;
        }
    }
}
