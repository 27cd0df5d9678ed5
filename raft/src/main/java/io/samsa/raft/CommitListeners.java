package io.samsa.raft;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listeners of a replica and how far each has been told: {@link #deliver} hands each one the latest snapshot
 * when it has not yet seen what the log start has passed, then every committed batch after its position, once and
 * in offset order (control batches are skipped), then the leader when it changed. A listener hears that this
 * replica leads only once it has been told everything before the epoch's LeaderChange record: its state then
 * includes every record of the earlier epochs (KRaft does the same).
 *
 * <p>Not thread-safe: the replica's executor, except {@link #remove}.
 */
final class CommitListeners<T> {
    private static final Logger log = LoggerFactory.getLogger(CommitListeners.class);

    /** Where the committed entries come from. */
    interface Source<T> {
        /** The first offset of the log. */
        long startOffset();

        /** The latest snapshot, decoded, or null when there is none. */
        Snapshot<T> snapshot();

        /** Consecutive entries from the one at {@code from}, all below {@code to} (at least one when any is). */
        List<Entry<T>> read(long from, long to);
    }

    /** A batch of the log: a data batch, or a control batch ({@code batch} null) that listeners do not see. */
    record Entry<T>(long baseOffset, long lastOffset, Batch<T> batch) {
    }

    private static final class Cursor<T> {
        final RaftClient.Listener<T> listener;
        /** The next offset to tell, -1 before the first delivery. */
        long next = -1;
        /** The position the listener was last told. */
        long reported = -1;
        LeaderAndEpoch told;

        Cursor(RaftClient.Listener<T> listener) {
            this.listener = listener;
        }
    }

    private final String prefix;
    private final List<Cursor<T>> cursors = new CopyOnWriteArrayList<>();

    CommitListeners(String prefix) {
        this.prefix = prefix;
    }

    void add(RaftClient.Listener<T> listener) {
        cursors.add(new Cursor<>(listener));
    }

    /** Any thread. */
    void remove(RaftClient.Listener<T> listener) {
        cursors.removeIf(c -> c.listener == listener);
    }

    /** The lowest position of any listener (the leader keeps its batches in memory until all passed them). */
    long lowestPosition(long dflt) {
        long min = dflt;
        for (Cursor<T> c : cursors) {
            min = Math.min(min, c.next < 0 ? -1 : c.next);
        }
        return min;
    }

    /**
     * Tells every listener what it has not heard: everything below {@code committedEnd}, then {@code leader}
     * (when this replica leads, only to a listener past {@code epochStartOffset}).
     */
    void deliver(Source<T> source, long committedEnd, LeaderAndEpoch leader, int self, long epochStartOffset) {
        if (cursors.isEmpty()) {
            return;
        }
        long start = source.startOffset();
        for (Cursor<T> c : cursors) {
            if (c.next < 0 || c.next < start) {
                Snapshot<T> s = source.snapshot();
                if (s != null && (c.next < 0 || c.next < s.id().endOffset())) {
                    call(c, () -> c.listener.handleLoadSnapshot(s), "the snapshot " + s.id().fileName());
                    c.next = s.id().endOffset();
                } else if (c.next < 0) {
                    c.next = start;
                } else {
                    throw new IllegalStateException("The log starts at " + start + ", past listener position "
                        + c.next + ", and no snapshot covers it");
                }
            }
        }
        while (true) {
            long from = Long.MAX_VALUE;
            for (Cursor<T> c : cursors) {
                from = Math.min(from, c.next);
            }
            if (from >= committedEnd) {
                break;
            }
            List<Entry<T>> entries = source.read(from, committedEnd);
            if (entries.isEmpty()) {
                throw new IllegalStateException("The log returned nothing at offset " + from + " below "
                    + committedEnd);
            }
            for (Entry<T> e : entries) {
                for (Cursor<T> c : cursors) {
                    if (c.next == e.baseOffset()) {
                        if (e.batch() != null) {
                            call(c, () -> c.listener.handleCommit(e.batch()), "the batch at " + e.baseOffset());
                        }
                        c.next = e.lastOffset() + 1;
                    } else if (c.next > e.baseOffset() && c.next <= e.lastOffset()) {
                        throw new IllegalStateException("Listener position " + c.next + " falls inside the batch at "
                            + e.baseOffset());
                    }
                }
            }
        }
        for (Cursor<T> c : cursors) {
            if (c.next != c.reported) {
                c.reported = c.next;
                long position = c.next;
                call(c, () -> c.listener.handlePosition(position), "the position " + position);
            }
        }
        for (Cursor<T> c : cursors) {
            boolean gated = leader.isLeader(self) && c.next < epochStartOffset;
            if (!leader.equals(c.told) && !gated) {
                c.told = leader;
                call(c, () -> c.listener.handleLeaderChange(leader), "the leader change to " + leader);
            }
        }
    }

    private void call(Cursor<T> c, Runnable r, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("{}Listener {} failed on {}", prefix, c.listener, what, e);
        }
    }
}
