package io.samsa.raft;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one true log of a simulated quorum, as the replicas' listeners report it: every committed data batch by base
 * offset (the first report fixes it; every later report on any replica, in any incarnation, must be equal), and the
 * state machine's state after each of them. A replica reporting a batch different from the one committed at its
 * offset, or overlapping another, breaks "a committed entry is never lost or changed". Not thread-safe: the
 * simulation's thread.
 */
final class CommitModel {
    /** A state machine's state: how many records it applied and a hash of them in order. */
    record State(long count, long hash) {
        static final State EMPTY = new State(0, 17);

        State apply(List<String> records) {
            long c = count;
            long h = hash;
            for (String r : records) {
                h = h * 1_000_003L + r.hashCode();
                c++;
            }
            return new State(c, h);
        }

        List<String> toRecords() {
            return List.of(Long.toString(count), Long.toString(hash));
        }

        static State fromRecords(List<String> records) {
            return new State(Long.parseLong(records.get(0)), Long.parseLong(records.get(1)));
        }
    }

    private final TreeMap<Long, Batch<String>> committed = new TreeMap<>();
    /** The state after every committed batch, by the offset after it. */
    private final TreeMap<Long, State> states = new TreeMap<>(Map.of(0L, State.EMPTY));

    /** Replica {@code node} reports {@code batch} committed. */
    void committed(int node, Batch<String> batch) {
        Batch<String> known = committed.get(batch.baseOffset());
        if (known != null) {
            if (known.epoch() != batch.epoch() || known.lastOffset() != batch.lastOffset()
                    || !known.records().equals(batch.records())) {
                throw new AssertionError("Node " + node + " committed " + describe(batch) + " where "
                    + describe(known) + " was committed");
            }
            return;
        }
        Map.Entry<Long, Batch<String>> before = committed.lowerEntry(batch.baseOffset());
        if (before != null && before.getValue().lastOffset() >= batch.baseOffset()) {
            throw new AssertionError("Node " + node + " committed " + describe(batch) + " inside "
                + describe(before.getValue()));
        }
        Map.Entry<Long, Batch<String>> after = committed.higherEntry(batch.baseOffset());
        if (after != null && after.getKey() <= batch.lastOffset()) {
            throw new AssertionError("Node " + node + " committed " + describe(batch) + " over "
                + describe(after.getValue()));
        }
        if (after != null) {
            throw new AssertionError("Node " + node + " committed " + describe(batch) + " before the committed "
                + describe(after.getValue()) + " that it did not report first");
        }
        committed.put(batch.baseOffset(), batch);
        states.put(batch.lastOffset() + 1, stateAt(batch.baseOffset()).apply(batch.records()));
    }

    /** The state after every committed batch below {@code offset}. */
    State stateAt(long offset) {
        return states.floorEntry(offset).getValue();
    }

    /** The committed batches with a base offset in {@code [from, to)}. */
    Map<Long, Batch<String>> between(long from, long to) {
        return committed.subMap(from, true, to, false);
    }

    /** The committed data batch that holds {@code offset}, or the last one below it (control batches are not here). */
    Batch<String> containing(long offset) {
        Map.Entry<Long, Batch<String>> e = committed.floorEntry(offset);
        return e == null ? null : e.getValue();
    }

    Batch<String> last() {
        Map.Entry<Long, Batch<String>> e = committed.lastEntry();
        return e == null ? null : e.getValue();
    }

    int size() {
        return committed.size();
    }

    static String describe(Batch<String> b) {
        return "batch " + b.baseOffset() + ".." + b.lastOffset() + " of epoch " + b.epoch() + " " + b.records();
    }
}
