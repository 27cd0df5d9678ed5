package io.samsa.log.cleaner;

import io.samsa.log.AbortedTransaction;
import io.samsa.wire.record.RecordBatchView;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the cleaner knows of transactions while it walks a log in offset order (KIP-98 meets compaction): which data
 * batches belong to aborted transactions (from the transaction indexes), and when a commit or abort marker may go.
 *
 * <ul>
 *   <li>A transactional data batch of a producer whose aborted transaction has started (its first offset is at or
 *       below the batch) is aborted: the cleaner removes it.</li>
 *   <li>An abort marker may go once none of its transaction's data is left: when the walk saw no data batch of that
 *       transaction. While data remains, the marker stays and its aborted-transaction entry is written to the cleaned
 *       segment's transaction index.</li>
 *   <li>A commit marker may go once the walk saw no data batch of its transaction (they were all compacted away by an
 *       earlier pass).</li>
 * </ul>
 *
 * A marker that may go still waits for its delete horizon ({@code delete.retention.ms} after the pass that found it
 * removable, KIP-534): the two passes keep it long enough for a consumer reading through it. The data of a
 * transaction always comes before its marker, so one walk from the log start decides every marker below it.
 *
 * <p>Not thread-safe: one cleaning pass owns it.
 */
final class TransactionTracker {
    private final ArrayDeque<AbortedTransaction> pending;
    private final Map<Long, AbortedState> ongoingAborted = new HashMap<>();
    private final Set<Long> ongoingCommitted = new HashSet<>();
    private List<AbortedTransaction> retainedAborts = new ArrayList<>();

    private static final class AbortedState {
        final AbortedTransaction txn;
        boolean sawData;

        AbortedState(AbortedTransaction txn) {
            this.txn = txn;
        }
    }

    /** {@code aborted}: the aborted transactions of the walked range, as the transaction indexes list them. */
    TransactionTracker(List<AbortedTransaction> aborted) {
        List<AbortedTransaction> sorted = new ArrayList<>(aborted);
        sorted.sort((a, b) -> Long.compare(a.firstOffset(), b.firstOffset()));
        this.pending = new ArrayDeque<>(sorted);
    }

    private void startAbortedUpTo(long offset) {
        while (!pending.isEmpty() && pending.peekFirst().firstOffset() <= offset) {
            AbortedTransaction t = pending.pollFirst();
            ongoingAborted.putIfAbsent(t.producerId(), new AbortedState(t));
        }
    }

    /** A data batch in offset order; returns true when it belongs to an aborted transaction. */
    boolean onData(RecordBatchView batch) {
        startAbortedUpTo(batch.lastOffset());
        if (!batch.isTransactional()) {
            return false;
        }
        AbortedState aborted = ongoingAborted.get(batch.producerId());
        if (aborted != null) {
            aborted.sawData = true;
            return true;
        }
        ongoingCommitted.add(batch.producerId());
        return false;
    }

    /**
     * A control batch in offset order, with its control type (0 abort, 1 commit, -1 unknown or empty); returns true
     * when its transaction has no data left, so that the marker may go once its delete horizon passed. An empty
     * control batch (a marker a previous pass emptied) may always go.
     */
    boolean onMarker(RecordBatchView batch, int type) {
        startAbortedUpTo(batch.lastOffset());
        if (batch.recordCount() == 0) {
            return true;
        }
        long pid = batch.producerId();
        if (type == 0) {
            AbortedState aborted = ongoingAborted.remove(pid);
            if (aborted != null && aborted.sawData) {
                retainedAborts.add(aborted.txn);
                return false;
            }
            return true;
        }
        if (type == 1) {
            return !ongoingCommitted.remove(pid);
        }
        return false;
    }

    /**
     * The aborted-transaction entries of the markers kept since the last call, for the transaction index of the
     * segment they land in.
     */
    List<AbortedTransaction> takeRetainedAborts() {
        List<AbortedTransaction> out = retainedAborts;
        retainedAborts = new ArrayList<>();
        return out;
    }
}
