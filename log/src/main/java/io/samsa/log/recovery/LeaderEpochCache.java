package io.samsa.log.recovery;

import io.samsa.log.EpochEndOffset;

import java.util.ArrayList;
import java.util.List;

/**
 * The partition's leader epochs and the offset where each began, as the {@code leader-epoch-checkpoint}
 * file stores them: assigned when a leader appends in a new epoch (or a follower appends a batch of one),
 * truncated with the log, and asked by OffsetsForLeaderEpoch (KIP-101, KIP-279) for an epoch's end offset.
 *
 * <p>Thread-safe: the writer mutates, any thread may query; methods synchronise on the cache, and the
 * per-append check reads a volatile latest epoch without locking.
 */
public final class LeaderEpochCache {
    private final List<long[]> entries = new ArrayList<>();
    private volatile int latestEpoch = -1;
    private volatile boolean dirty;

    /** Records that {@code epoch} starts at {@code startOffset} if it is newer than the latest. */
    public void assign(int epoch, long startOffset) {
        if (epoch < 0 || epoch <= latestEpoch) {
            return;
        }
        synchronized (this) {
            // A new epoch starting at or below older epochs' starts replaces them.
            while (!entries.isEmpty() && entries.get(entries.size() - 1)[1] >= startOffset) {
                entries.remove(entries.size() - 1);
            }
            entries.add(new long[] {epoch, startOffset});
            latestEpoch = epoch;
            dirty = true;
        }
    }

    public int latestEpoch() {
        return latestEpoch;
    }

    /** The start offset of the latest epoch, or -1. */
    public synchronized long latestStartOffset() {
        return entries.isEmpty() ? -1 : entries.get(entries.size() - 1)[1];
    }

    /**
     * The largest epoch at or below {@code epoch} and the offset where it ended; the latest epoch ends at
     * {@code logEndOffset}. An epoch below the earliest known answers (epoch, earliest start).
     */
    public synchronized EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
        if (epoch < 0 || entries.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (epoch == latestEpoch) {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        long[] floor = null;
        for (long[] e : entries) {
            if (e[0] > epoch) {
                return floor == null ? new EpochEndOffset(epoch, e[1]) : new EpochEndOffset((int) floor[0], e[1]);
            }
            floor = e;
        }
        return EpochEndOffset.UNDEFINED;
    }

    /**
     * The epoch in which {@code offset} was written: the latest epoch starting at or below it, or -1 when the
     * offset is below every known epoch's start (or none is known).
     */
    public synchronized int epochForOffset(long offset) {
        int found = -1;
        for (long[] e : entries) {
            if (e[1] > offset) {
                break;
            }
            found = (int) e[0];
        }
        return found;
    }

    /** Removes epochs that start at or after {@code endOffset} (log truncation). */
    public synchronized void truncateFromEnd(long endOffset) {
        boolean changed = false;
        while (!entries.isEmpty() && entries.get(entries.size() - 1)[1] >= endOffset) {
            entries.remove(entries.size() - 1);
            changed = true;
        }
        if (changed) {
            latestEpoch = entries.isEmpty() ? -1 : (int) entries.get(entries.size() - 1)[0];
            dirty = true;
        }
    }

    /** Drops epochs that end at or before {@code startOffset} and moves the first kept one's start up to it. */
    public synchronized void truncateFromStart(long startOffset) {
        while (entries.size() > 1 && entries.get(1)[1] <= startOffset) {
            entries.remove(0);
            dirty = true;
        }
        if (!entries.isEmpty() && entries.get(0)[1] < startOffset) {
            entries.get(0)[1] = startOffset;
            dirty = true;
        }
    }

    public synchronized void clear() {
        entries.clear();
        latestEpoch = -1;
        dirty = true;
    }

    /** A copy of the entries as (epoch, start offset) rows. */
    public synchronized List<long[]> snapshot() {
        List<long[]> copy = new ArrayList<>(entries.size());
        for (long[] e : entries) {
            copy.add(e.clone());
        }
        return copy;
    }

    /** Replaces the entries with rows loaded from the checkpoint (ignoring rows out of order). */
    public synchronized void load(List<long[]> rows) {
        entries.clear();
        latestEpoch = -1;
        for (long[] r : rows) {
            if (r[0] > latestEpoch && (entries.isEmpty() || r[1] >= entries.get(entries.size() - 1)[1])) {
                entries.add(new long[] {r[0], r[1]});
                latestEpoch = (int) r[0];
            }
        }
        dirty = false;
    }

    /** True once since the last {@link #markClean()} when the entries changed. */
    public boolean isDirty() {
        return dirty;
    }

    public void markClean() {
        dirty = false;
    }
}
