package io.samsa.server.coordinator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.coordinator.TopicPartition;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.FileSlice;
import io.samsa.replication.FetchIsolation;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
import io.samsa.wire.record.Record;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The Jepsen-style checker of {@link TransactionSimulationTest}, over the data partitions' real logs. Every record's
 * value names its transaction ({@code producer.instance.txn.input}). {@link #check} runs after every step of the
 * scheduler: it scans what each partition appended since the last step (the ground truth: each producer's
 * transactional batches end at its next commit or abort marker), and fails when
 * <ul>
 *   <li>a transaction gets a commit marker on one partition and an abort marker on another (half committed);</li>
 *   <li>a producer's batches of two transactions meet in one partition without a marker between them;</li>
 *   <li>the last stable offset passes the first offset of a transaction still open there, or the high watermark;</li>
 *   <li>a read_committed reader (the partition's fetch up to the last stable offset with its aborted transactions,
 *       filtered as the Java consumer filters) reads anything but the committed transactions' records, in log order,
 *       or reads a record it has not read before where it read one earlier (a crash took back what it had read).</li>
 * </ul>
 * {@link #checkEnd} adds, once everything has settled: no transaction open anywhere, every transaction acknowledged
 * committed (aborted) is committed (aborted), a committed transaction has exactly the records its producer sent,
 * each producer's committed transactions cover its input without a gap or an overlap (nothing lost, nothing twice),
 * and the group's offset is the end of the last committed one. Not thread-safe: the simulation's thread.
 */
final class TxnSimChecker {
    private static final int READ_BYTES = 1 << 20;

    /** One transaction of a producer instance, as the producer planned and saw it. */
    static final class Txn {
        final String key;
        final int producer;
        final long from;
        final long to;
        /** The records sent, "partition=value". */
        final Set<String> planned = new HashSet<>();
        /** What EndTxn answered NONE to: null (no answer), true (commit), false (abort). */
        Boolean acked;

        Txn(String key, int producer, long from, long to) {
            this.key = key;
            this.producer = producer;
            this.from = from;
            this.to = to;
        }
    }

    /** A producer's transaction open in a partition: its first offset there. */
    private record Open(long first, String txn) {
    }

    /** A data record: its offset, its transaction, its value. */
    private record Rec(long offset, String txn, String value) {
    }

    /** What the checker knows of one partition. */
    private static final class PartitionView {
        final TopicPartition tp;
        /** The offset after the last batch scanned. */
        long scanned;
        /** Open transactions by producer id. */
        final Map<Long, Open> open = new HashMap<>();
        /** Data records in log order. */
        final List<Rec> records = new ArrayList<>();
        /** The read_committed reader: its position, and every value it read, in order. */
        long readerAt;
        final List<String> read = new ArrayList<>();
        /** What the reader had read before a crash took the partition's tail (it must read it again). */
        List<String> readBefore = List.of();
        int life;

        PartitionView(TopicPartition tp) {
            this.tp = tp;
        }
    }

    private final Map<TopicPartition, PartitionView> views = new TreeMap<>();
    private final Function<TopicPartition, TxnSimBroker> brokers;
    /** Each transaction's outcome, as the first marker seen decided it. */
    final Map<String, Boolean> outcomes = new HashMap<>();
    final Map<String, Txn> txns = new HashMap<>();
    private final RecordBatchView view = new RecordBatchView();
    long checks;

    TxnSimChecker(List<TopicPartition> partitions, Function<TopicPartition, TxnSimBroker> brokers) {
        this.brokers = brokers;
        for (TopicPartition tp : partitions) {
            views.put(tp, new PartitionView(tp));
        }
    }

    static String txnOf(String value) {
        return value.substring(0, value.lastIndexOf('.'));
    }

    /** After every step: scans new batches, checks the last stable offset and the read_committed reader. */
    void check() {
        checks++;
        for (PartitionView v : views.values()) {
            TxnSimBroker b = brokers.apply(v.tp);
            Partition p = b.partition(v.tp);
            if (p == null || b.disk.isCrashed()) {
                continue;
            }
            if (v.life != b.lives || p.logEndOffset() < v.scanned) {
                // A new life: the recovered log may have lost an unacknowledged tail. Scan it again from the start.
                v.readBefore = v.read.size() > v.readBefore.size() ? new ArrayList<>(v.read) : v.readBefore;
                v.scanned = p.logStartOffset();
                v.open.clear();
                v.records.clear();
                v.readerAt = p.logStartOffset();
                v.read.clear();
                v.life = b.lives;
            }
            scan(v, p);
            long lso = p.lastStableOffset();
            long hw = p.highWatermark();
            if (lso > hw || hw > p.logEndOffset()) {
                throw new AssertionError(v.tp + ": last stable offset " + lso + ", high watermark " + hw
                        + ", log end " + p.logEndOffset());
            }
            for (Map.Entry<Long, Open> e : v.open.entrySet()) {
                if (lso > e.getValue().first()) {
                    throw new AssertionError(v.tp + ": the last stable offset " + lso + " passed the open transaction "
                            + e.getValue().txn() + " of producer " + e.getKey() + " from offset "
                            + e.getValue().first());
                }
            }
            readCommitted(v, p, lso);
        }
    }

    /** Scans the batches appended since the last scan: the ground truth of transactions and their outcomes. */
    private void scan(PartitionView v, Partition p) {
        long end = p.logEndOffset();
        while (v.scanned < end) {
            ByteBuf buf = read(p, v.scanned, FetchIsolation.LOG_END);
            if (buf == null) {
                return;
            }
            try {
                int index = 0;
                while (index + RecordBatchView.HEADER_SIZE <= buf.writerIndex()) {
                    view.wrap(buf, index);
                    if (index + view.sizeInBytes() > buf.writerIndex()) {
                        break;
                    }
                    if (view.lastOffset() >= v.scanned) {
                        batch(v, view);
                    }
                    v.scanned = view.nextOffset();
                    index += view.sizeInBytes();
                }
            } finally {
                buf.release();
            }
        }
    }

    private void batch(PartitionView v, RecordBatchView b) {
        long pid = b.producerId();
        if (b.isControl()) {
            Record marker = RecordReader.read(b, CoordinatorPowerLossRun.UNTRACKED, READ_BYTES).get(0);
            boolean commit = marker.key()[3] == 1;
            Open open = v.open.remove(pid);
            if (open == null) {
                return; // a marker written again (a retry, a new coordinator): nothing is open
            }
            String txn = open.txn();
            Boolean before = outcomes.putIfAbsent(txn, commit);
            if (before != null && before != commit) {
                throw new AssertionError("Transaction " + txn + " was " + (before ? "committed" : "aborted")
                        + " elsewhere and is " + (commit ? "committed" : "aborted") + " in " + v.tp + " at offset "
                        + b.baseOffset());
            }
            return;
        }
        if (!b.isTransactional()) {
            throw new AssertionError(v.tp + ": a non-transactional batch at " + b.baseOffset());
        }
        for (Record r : RecordReader.read(b, CoordinatorPowerLossRun.UNTRACKED, READ_BYTES)) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            String txn = txnOf(value);
            Open open = v.open.get(pid);
            if (open == null) {
                v.open.put(pid, new Open(r.offset(), txn));
            } else if (!open.txn().equals(txn)) {
                throw new AssertionError(v.tp + ": producer " + pid + " wrote transaction " + txn + " at " + r.offset()
                        + " while " + open.txn() + " (from " + open.first() + ") had no marker yet");
            }
            v.records.add(new Rec(r.offset(), txn, value));
        }
    }

    /**
     * The read_committed consumer: fetches up to the last stable offset with the aborted transactions in that range,
     * skips the aborted producers' batches as the Java consumer does, and must read exactly the committed records.
     */
    private void readCommitted(PartitionView v, Partition p, long lso) {
        if (v.readerAt >= lso) {
            return;
        }
        while (v.readerAt < lso) {
            List<AbortedTransaction> aborted = p.log().collectAbortedTransactions(v.readerAt, lso);
            ByteBuf buf = read(p, v.readerAt, FetchIsolation.TXN_COMMITTED);
            if (buf == null) {
                return;
            }
            Deque<AbortedTransaction> pending = new ArrayDeque<>(aborted.stream()
                    .sorted(Comparator.comparingLong(AbortedTransaction::firstOffset)).toList());
            Set<Long> abortedPids = new HashSet<>();
            long next = v.readerAt;
            try {
                int index = 0;
                while (index + RecordBatchView.HEADER_SIZE <= buf.writerIndex()) {
                    view.wrap(buf, index);
                    if (index + view.sizeInBytes() > buf.writerIndex() || view.nextOffset() > lso) {
                        break;
                    }
                    index += view.sizeInBytes();
                    next = view.nextOffset();
                    if (view.lastOffset() < v.readerAt) {
                        continue;
                    }
                    // As the Java consumer: first the aborted transactions begun by this batch, then its marker.
                    while (!pending.isEmpty() && pending.peek().firstOffset() <= view.lastOffset()) {
                        abortedPids.add(pending.poll().producerId());
                    }
                    if (view.isControl()) {
                        Record marker = RecordReader.read(view, CoordinatorPowerLossRun.UNTRACKED, READ_BYTES).get(0);
                        if (marker.key()[3] == 0) {
                            abortedPids.remove(view.producerId());
                        }
                        continue;
                    }
                    if (view.isTransactional() && abortedPids.contains(view.producerId())) {
                        continue;
                    }
                    for (Record r : RecordReader.read(view, CoordinatorPowerLossRun.UNTRACKED, READ_BYTES)) {
                        v.read.add(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            } finally {
                buf.release();
            }
            if (next == v.readerAt) {
                return;
            }
            v.readerAt = next;
        }
        compareRead(v);
    }

    /** What the reader read must be the committed records below its position, in order. */
    private void compareRead(PartitionView v) {
        int i = 0;
        for (Rec r : v.records) {
            if (r.offset() >= v.readerAt) {
                break;
            }
            Boolean outcome = outcomes.get(r.txn());
            if (outcome == null) {
                throw new AssertionError(v.tp + ": the read_committed reader passed offset " + r.offset()
                        + " of transaction " + r.txn() + ", which has no marker");
            }
            if (!outcome) {
                continue;
            }
            if (i >= v.read.size() || !v.read.get(i).equals(r.value())) {
                throw new AssertionError(v.tp + ": the read_committed reader read " + (i < v.read.size()
                        ? v.read.get(i) : "nothing") + " where the committed record " + r.value() + " is (offset "
                        + r.offset() + ")" + describe(v));
            }
            i++;
        }
        if (i != v.read.size()) {
            throw new AssertionError(v.tp + ": the read_committed reader read " + v.read.subList(i, v.read.size())
                    + " beyond the committed records" + describe(v));
        }
        int common = Math.min(v.read.size(), v.readBefore.size());
        if (!v.read.subList(0, common).equals(v.readBefore.subList(0, common))) {
            throw new AssertionError(v.tp + ": after a crash the read_committed reader reads " + v.read.subList(0,
                    common) + " where it read " + v.readBefore.subList(0, common));
        }
    }

    private String describe(PartitionView v) {
        TxnSimBroker b = brokers.apply(v.tp);
        Partition p = b.partition(v.tp);
        StringBuilder sb = new StringBuilder("\n read " + v.read + "\n reader at " + v.readerAt + " life " + b.lives + " lso "
                + p.lastStableOffset() + " aborted " + p.log().collectAbortedTransactions(0, p.logEndOffset())
                + "\n below lso " + p.log().collectAbortedTransactions(0, p.lastStableOffset()) + " segments "
                + p.log().segmentBaseOffsets());
        for (Rec r : v.records) {
            sb.append("\n  ").append(r.offset()).append(' ').append(r.value()).append(' ')
                    .append(outcomes.get(r.txn()));
        }
        ByteBuf buf = read(p, p.logStartOffset(), FetchIsolation.LOG_END);
        RecordBatchView bv = new RecordBatchView();
        for (int index = 0; buf != null && index + RecordBatchView.HEADER_SIZE <= buf.writerIndex();
                index += bv.sizeInBytes()) {
            bv.wrap(buf, index);
            sb.append("\n batch ").append(bv.baseOffset()).append('-').append(bv.lastOffset()).append(" pid ")
                    .append(bv.producerId()).append(" epoch ").append(bv.producerEpoch()).append(bv.isControl()
                    ? " control" : "").append(" leaderEpoch ").append(bv.partitionLeaderEpoch());
        }
        return sb.toString();
    }

    private static ByteBuf read(Partition p, long offset, FetchIsolation isolation) {
        PartitionRead r = p.read(offset, READ_BYTES, isolation, true);
        FileSlice slice = r.records();
        if (slice.isEmpty()) {
            slice.release();
            return null;
        }
        try {
            ByteBuffer nio = ByteBuffer.allocate(slice.length());
            while (nio.hasRemaining()) {
                if (slice.channel().read(nio, slice.position() + nio.position()) < 0) {
                    break;
                }
            }
            nio.flip();
            return Unpooled.wrappedBuffer(nio);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            slice.release();
        }
    }

    /**
     * Once the run has settled (every broker up, no fault, time for timeouts and markers): the end-state checks.
     * {@code groupOffsets} is each producer's committed group offset (-1: none).
     */
    void checkEnd(int producers, Map<Integer, Long> groupOffsets) {
        check();
        Map<String, Set<String>> found = new HashMap<>();
        for (PartitionView v : views.values()) {
            if (!v.open.isEmpty()) {
                throw new AssertionError(v.tp + ": transactions still open at the end: " + v.open.values());
            }
            if (v.readBefore.size() > v.read.size()) {
                throw new AssertionError(v.tp + ": the read_committed reader lost records it had read: "
                        + v.readBefore.subList(v.read.size(), v.readBefore.size()));
            }
            for (Rec r : v.records) {
                if (Boolean.TRUE.equals(outcomes.get(r.txn()))
                        && !found.computeIfAbsent(r.txn(), k -> new HashSet<>()).add(v.tp + "=" + r.value())) {
                    throw new AssertionError(v.tp + ": committed record " + r.value() + " twice");
                }
            }
        }
        for (Txn t : txns.values()) {
            Boolean outcome = outcomes.get(t.key);
            if (t.acked != null && !t.acked.equals(outcome == null ? Boolean.FALSE : outcome)) {
                throw new AssertionError("Transaction " + t.key + " was acknowledged " + (t.acked ? "committed"
                        : "aborted") + " but is " + (outcome == null ? "nowhere" : outcome ? "committed"
                        : "aborted"));
            }
            if (Boolean.TRUE.equals(outcome) && !t.planned.equals(found.getOrDefault(t.key, Set.of()))) {
                throw new AssertionError("Committed transaction " + t.key + " holds " + found.get(t.key)
                        + ", its producer sent " + t.planned);
            }
        }
        for (int i = 0; i < producers; i++) {
            int producer = i;
            List<Txn> committed = txns.values().stream().filter(t -> t.producer == producer
                    && Boolean.TRUE.equals(outcomes.get(t.key))).sorted(Comparator.comparingLong(t -> t.from)).toList();
            long next = 0;
            for (Txn t : committed) {
                if (t.from != next) {
                    throw new AssertionError("Producer " + producer + "'s committed transactions " + (t.from < next
                            ? "overlap (duplicates)" : "leave a gap (lost input)") + " at input " + Math.min(next,
                            t.from) + ": " + committed.stream().map(c -> c.key + "[" + c.from + "," + c.to + ")")
                            .toList());
                }
                next = t.to;
            }
            long offset = groupOffsets.getOrDefault(i, -1L);
            if (offset != (committed.isEmpty() ? -1 : next)) {
                throw new AssertionError("Group of producer " + producer + " committed offset " + offset
                        + ", its last committed transaction ends at " + (committed.isEmpty() ? "none" : next));
            }
        }
    }

    /** The committed input end of {@code producer} as the partitions show it now (its offsets must agree). */
    long committedEnd(int producer) {
        long end = -1;
        for (Txn t : txns.values()) {
            if (t.producer == producer && Boolean.TRUE.equals(outcomes.get(t.key))) {
                end = Math.max(end, t.to);
            }
        }
        return end;
    }

    int readRecords() {
        return views.values().stream().mapToInt(v -> v.read.size()).sum();
    }
}
