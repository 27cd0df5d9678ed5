package io.samsa.log;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.RecordBatchView;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What a partition's log must hold, for {@link LogCrashSimulationTest}: every batch appended (its final bytes, as
 * the log rewrote them) and which of them were acknowledged (their durable future completed).
 * {@link #verifyRecovered} checks a recovered log against it and then forgets what the crash legitimately lost.
 * Not thread-safe: the simulation's thread.
 */
final class LogModel {

    /**
     * One batch as appended: offsets, final bytes, producer and transaction fields, leader epoch. Record {@code i}
     * has timestamp {@code baseTimestamp + i} (the test's batches are built that way; a marker has one record).
     */
    static final class Batch {
        final long base;
        final long last;
        final byte[] bytes;
        final long producerId;
        final short epoch;
        final int firstSeq;
        final int lastSeq;
        final int leaderEpoch;
        final boolean control;
        final boolean transactional;
        final long baseTimestamp;
        /** A transaction marker that aborts. */
        boolean abort;
        /** For a marker: the first offset of the transaction it ends, as the client saw it written (-1: none). */
        long txnFirst = -1;
        boolean acked;

        Batch(RecordBatchView v) {
            this.base = v.baseOffset();
            this.last = v.lastOffset();
            this.bytes = new byte[v.sizeInBytes()];
            v.buffer().getBytes(v.start(), bytes);
            this.producerId = v.producerId();
            this.epoch = v.producerEpoch();
            this.firstSeq = v.baseSequence();
            this.lastSeq = v.lastSequence();
            this.leaderEpoch = v.partitionLeaderEpoch();
            this.control = v.isControl();
            this.transactional = v.isTransactional();
            this.baseTimestamp = v.baseTimestamp();
        }

        /** A copy of the bytes for a client's retry (the log rewrites a batch in place). */
        ByteBuf retry() {
            return Unpooled.wrappedBuffer(bytes.clone());
        }

        @Override
        public String toString() {
            return (control ? (abort ? "abort marker " : "commit marker ") : "batch ") + base + ".." + last
                    + (producerId >= 0 ? " of producer " + producerId + " epoch " + epoch + " seq " + firstSeq + ".."
                    + lastSeq : "") + " in leader epoch " + leaderEpoch + (acked ? " (acked)" : "");
        }
    }

    /** Every batch the log holds or may hold, by base offset. */
    final TreeMap<Long, Batch> written = new TreeMap<>();
    /** One past the highest acknowledged offset. */
    long ackedEnd;

    /** Records the batches of a successful append: {@code buf} holds them, rewritten, in [start, end). */
    List<Batch> appended(ByteBuf buf, int start, int end) {
        List<Batch> out = new ArrayList<>();
        RecordBatchView v = new RecordBatchView();
        for (int pos = start; pos < end; pos += v.sizeInBytes()) {
            v.wrap(buf, pos);
            Batch b = new Batch(v);
            Batch old = written.put(b.base, b);
            if (old != null) {
                throw new AssertionError("Offset " + b.base + " assigned twice: " + old + " and " + b);
            }
            out.add(b);
        }
        return out;
    }

    void acked(List<Batch> batches) {
        for (Batch b : batches) {
            b.acked = true;
            ackedEnd = Math.max(ackedEnd, b.last + 1);
        }
    }

    /**
     * Checks a log opened after a crash (or a clean close, with {@code clean}): reads every batch from the log start
     * to the log end through {@link Log#read} and checks that the batches are whole (CRC), dense, byte-identical to
     * what was appended at their offsets, and reachable through the index at their first and last offsets; that every
     * acknowledged batch at or above the log start is there (after a clean close: every batch at all); that the log
     * end is at least the acknowledged end and the log start no higher than {@code startAllowed}, the highest offset
     * DeleteRecords or retention was ever allowed to move it to. Then forgets the batches the crash lost. Returns the
     * batches found, in order.
     */
    List<Batch> verifyRecovered(Log log, boolean clean, long startAllowed, Random random) throws IOException {
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        if (start > startAllowed) {
            throw new AssertionError("The log start moved to " + start + " by itself (nothing allowed more than "
                    + startAllowed + ")");
        }
        if (end < ackedEnd) {
            throw new AssertionError("The log ends at " + end + " below the acknowledged end " + ackedEnd);
        }
        List<Batch> found = readAll(log, start, end);
        Map<Long, Batch> byBase = new HashMap<>();
        for (Batch b : found) {
            byBase.put(b.base, b);
        }
        for (Batch w : written.values()) {
            if (w.last < start || (!w.acked && !clean)) {
                continue;
            }
            if (!byBase.containsKey(w.base)) {
                throw new AssertionError("Lost " + w + " (log start " + start + ", end " + end + ")");
            }
        }
        for (Batch b : found) {
            ReadResult r = log.read(Math.max(b.base, start), 1, Long.MAX_VALUE, true);
            ReadResult s = log.read(b.last, 1, Long.MAX_VALUE, true);
            try {
                if (r.records().firstOffset() != b.base || s.records().firstOffset() != b.base) {
                    throw new AssertionError("The index sends a read of " + b.base + " or " + b.last + " to "
                            + r.records().firstOffset() + " / " + s.records().firstOffset() + " instead of " + b);
                }
            } finally {
                r.release();
                s.release();
            }
        }
        checkEpochs(log, found, start);
        checkTransactions(log, found, start, end);
        checkTimestamps(log, found, start, random);
        written.clear();
        for (Batch b : found) {
            written.put(b.base, b);
        }
        return found;
    }

    /** Every batch's offsets map to the leader epoch it was written in, and the latest epoch is the last batch's. */
    private static void checkEpochs(Log log, List<Batch> found, long start) {
        for (Batch b : found) {
            long at = Math.max(b.base, start);
            if (log.epochForOffset(at) != b.leaderEpoch || log.epochForOffset(b.last) != b.leaderEpoch) {
                throw new AssertionError("The leader-epoch cache says epoch " + log.epochForOffset(at) + " for " + b);
            }
        }
        if (!found.isEmpty() && log.latestEpoch() != found.get(found.size() - 1).leaderEpoch) {
            throw new AssertionError("The latest epoch is " + log.latestEpoch() + ", the last batch's "
                    + found.get(found.size() - 1));
        }
    }

    /**
     * The transaction index lists exactly the aborted transactions whose abort markers are in the log, with the
     * first offset of their data (which may lie below the log start); the first unstable offset is the first offset
     * of the oldest open transaction.
     */
    private static void checkTransactions(Log log, List<Batch> found, long start, long end) {
        Map<Long, Long> open = new HashMap<>();
        Map<Long, AbortedTransaction> expected = new TreeMap<>();
        for (Batch b : found) {
            if (b.producerId < 0 || !b.transactional) {
                continue;
            }
            if (!b.control) {
                open.putIfAbsent(b.producerId, b.base);
                continue;
            }
            open.remove(b.producerId);
            if (b.abort && b.last >= start) {
                expected.put(b.base, new AbortedTransaction(b.producerId, b.txnFirst, b.base, 0));
            }
        }
        Map<Long, AbortedTransaction> listed = new TreeMap<>();
        for (AbortedTransaction t : log.collectAbortedTransactions(start, end)) {
            if (listed.put(t.lastOffset(), t) != null) {
                throw new AssertionError("The abort at " + t.lastOffset() + " is listed twice");
            }
        }
        if (!expected.keySet().equals(listed.keySet())) {
            throw new AssertionError("Aborted transactions listed " + listed.values() + ", markers in the log "
                    + expected.values());
        }
        for (AbortedTransaction want : expected.values()) {
            AbortedTransaction got = listed.get(want.lastOffset());
            if (got.producerId() != want.producerId() || got.firstOffset() != want.firstOffset()) {
                throw new AssertionError("Aborted transaction " + got + ", expected " + want);
            }
        }
        long firstUnstable = open.values().stream().mapToLong(Long::longValue).min().orElse(-1);
        if (log.firstUnstableOffset() != firstUnstable) {
            throw new AssertionError("The first unstable offset is " + log.firstUnstableOffset() + ", the oldest open "
                    + "transaction starts at " + firstUnstable);
        }
    }

    /** ListOffsets by time finds the first record at or above the log start with a timestamp at or above a target. */
    private static void checkTimestamps(Log log, List<Batch> found, long start, Random random) {
        if (found.isEmpty()) {
            return;
        }
        for (int i = 0; i < 8; i++) {
            Batch pick = found.get(random.nextInt(found.size()));
            long target = pick.baseTimestamp + random.nextInt((int) (pick.last - pick.base) + 2);
            long offset = -1;
            long ts = -1;
            for (Batch b : found) {
                for (long o = Math.max(b.base, start); o <= b.last && offset < 0; o++) {
                    long t = b.baseTimestamp + (o - b.base);
                    if (t >= target) {
                        offset = o;
                        ts = t;
                    }
                }
                if (offset >= 0) {
                    break;
                }
            }
            TimestampOffset got = log.offsetForTimestamp(target);
            if (got.offset() != offset || (offset >= 0 && got.timestamp() != ts)) {
                throw new AssertionError("ListOffsets for timestamp " + target + " found " + got.offset() + " at "
                        + got.timestamp() + ", the first such record is " + offset + " at " + ts);
            }
        }
    }

    /** Reads and checks every batch from {@code start} to {@code end}, comparing each with the written one. */
    private List<Batch> readAll(Log log, long start, long end) throws IOException {
        List<Batch> out = new ArrayList<>();
        long next = start;
        while (next < end) {
            ReadResult r = log.read(next, 1 << 20, Long.MAX_VALUE, true);
            try {
                if (r.records().isEmpty()) {
                    throw new AssertionError("No batch at offset " + next + " below the log end " + end);
                }
                List<Batch> batches = checkSlice(r.records(), next);
                if (!out.isEmpty() && batches.get(0).base != out.get(out.size() - 1).last + 1) {
                    throw new AssertionError("Offsets are not dense: " + batches.get(0) + " after "
                            + out.get(out.size() - 1));
                }
                out.addAll(batches);
                next = batches.get(batches.size() - 1).last + 1;
            } finally {
                r.release();
            }
        }
        if (next != end) {
            throw new AssertionError("The last batch ends at " + (next - 1) + ", the log at " + end);
        }
        return out;
    }

    /**
     * Checks one read's slice: whole batches (CRC), dense, the first holding {@code from}, each byte-identical to the
     * batch appended at its offset. Returns the model's batches, in order.
     */
    List<Batch> checkSlice(FileSlice slice, long from) throws IOException {
        List<Batch> out = new ArrayList<>();
        if (slice.isEmpty()) {
            return out;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes(slice));
        RecordBatchView v = new RecordBatchView();
        for (int pos = 0; pos < buf.writerIndex(); pos += v.sizeInBytes()) {
            v.wrap(buf, pos);
            try {
                v.validate(buf.writerIndex() - pos);
            } catch (DecodeException e) {
                throw new AssertionError("A torn batch was served at position " + pos + " of a read of " + from
                        + ": " + e.getMessage(), e);
            }
            if (out.isEmpty() && (v.baseOffset() > from || v.lastOffset() < from)) {
                throw new AssertionError("A read of " + from + " starts with batch " + v.baseOffset() + ".."
                        + v.lastOffset());
            }
            if (!out.isEmpty() && v.baseOffset() != out.get(out.size() - 1).last + 1) {
                throw new AssertionError("Offsets are not dense: batch " + v.baseOffset() + " after "
                        + out.get(out.size() - 1));
            }
            Batch b = new Batch(v);
            Batch w = written.get(b.base);
            if (w == null || !Arrays.equals(w.bytes, b.bytes)) {
                throw new AssertionError("Batch " + b.base + " is not the one appended there: " + w);
            }
            out.add(w);
        }
        return out;
    }

    private static byte[] bytes(FileSlice slice) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(slice.length());
        FileChannel ch = slice.channel();
        while (b.hasRemaining()) {
            if (ch.read(b, slice.position() + b.position()) < 0) {
                throw new IOException("Short read of " + slice);
            }
        }
        return b.array();
    }

    /** The last (up to) five batches of each producer among {@code batches}, oldest first. */
    static Map<Long, List<Batch>> lastFivePerProducer(List<Batch> batches) {
        Map<Long, List<Batch>> out = new HashMap<>();
        for (Batch b : batches) {
            if (b.producerId < 0 || b.control) {
                continue;
            }
            List<Batch> l = out.computeIfAbsent(b.producerId, k -> new ArrayList<>());
            if (!l.isEmpty() && l.get(l.size() - 1).epoch != b.epoch) {
                l.clear();
            }
            l.add(b);
            if (l.size() > 5) {
                l.remove(0);
            }
        }
        return out;
    }
}
