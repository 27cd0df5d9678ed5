package io.samsa.log.producer;

import io.samsa.common.Disk;
import io.samsa.log.ActiveProducer;
import io.samsa.log.FileForcer;
import io.samsa.log.VerificationGuard;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The idempotent and transactional producer state of one partition: per producer id its epoch, its last
 * five batches, and its ongoing transaction; the first unstable offset; and the {@code <offset>.snapshot}
 * files that let a restart skip replaying the whole log.
 *
 * <p>Rules (Kafka 2.5+, KIP-360): a batch from an older epoch fails with {@code INVALID_PRODUCER_EPOCH}; a
 * batch matching one of the last five of the same epoch is a duplicate and gets the original offsets; a new
 * epoch must start at sequence 0 unless the producer is unknown (expired or never seen: any sequence is
 * accepted, as current Kafka does, so the broker never answers {@code UNKNOWN_PRODUCER_ID}); otherwise the
 * sequence must follow the last one, wrapping from {@link Integer#MAX_VALUE} to 0, else
 * {@code OUT_OF_ORDER_SEQUENCE_NUMBER}.
 *
 * <p>Snapshot layout (big-endian): version int16 (1) | crc32c int32 of the rest | count int32 | per producer:
 * id int64, epoch int16, coordinatorEpoch int32, lastTimestamp int64, currentTxnFirstOffset int64,
 * batches int8, per batch: firstSeq int32, lastSeq int32, firstOffset int64, lastOffset int64.
 *
 * <p>Transactions (KIP-98, KIP-890): a producer's transactional batch starts its transaction here; its marker ends it
 * (an older producer epoch than the producer's is INVALID_PRODUCER_EPOCH; with the V2 protocol, whose coordinator
 * bumps the epoch for every marker, the marker's epoch must be newer, or equal for a retry of a marker already written;
 * an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED). A transaction may only start with a verification
 * ({@link #startVerification}, in memory): the guard the append presents must still be the producer's, else
 * INVALID_TXN_STATE.
 *
 * <p>Snapshot files are written, read and deleted through a {@link Disk}.
 *
 * <p>Not thread-safe: every method runs on the partition's writer thread.
 */
public final class ProducerStateManager {
    private static final Logger log = LoggerFactory.getLogger(ProducerStateManager.class);
    public static final String SNAPSHOT_SUFFIX = ".snapshot";
    private static final short SNAPSHOT_VERSION = 1;

    private final Disk disk;
    private final Path dir;
    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    private final TreeMap<Long, Long> ongoingTxns = new TreeMap<>();
    /** Transaction verifications in progress, by producer id (in memory only, as in Kafka). */
    private final Map<Long, Verification> verifications = new HashMap<>();
    private long mapEndOffset;

    public ProducerStateManager(Path dir) {
        this(Disk.SYSTEM, dir);
    }

    public ProducerStateManager(Disk disk, Path dir) {
        this.disk = disk;
        this.dir = dir;
    }

    /** A producer's entry, or null. */
    public ProducerEntry entry(long producerId) {
        return producers.get(producerId);
    }

    public int producerCount() {
        return producers.size();
    }

    /** The offset after the last batch applied. */
    public long mapEndOffset() {
        return mapEndOffset;
    }

    public void setMapEndOffset(long offset) {
        mapEndOffset = offset;
    }

    /**
     * Every producer the partition remembers, ordered by producer id, as immutable copies (DescribeProducers,
     * KIP-664). Includes producers whose batches were all removed by retention until they expire, as Kafka does.
     */
    public List<ActiveProducer> activeProducers() {
        List<ActiveProducer> out = new ArrayList<>(producers.size());
        for (ProducerEntry e : producers.values()) {
            out.add(new ActiveProducer(e.producerId, e.epoch, e.lastSeq(), e.lastTimestamp, e.coordinatorEpoch,
                    e.currentTxnFirstOffset));
        }
        out.sort((a, b) -> Long.compare(a.producerId(), b.producerId()));
        return out;
    }

    /** The first offset of the oldest ongoing transaction, or -1 when none is ongoing. */
    public long firstUnstableOffset() {
        return ongoingTxns.isEmpty() ? -1 : ongoingTxns.firstKey();
    }

    /**
     * Checks a client batch (leader path) before offsets are assigned. Returns {@code {firstOffset,
     * lastOffset}} of the original when the batch is a duplicate, or null when it is new. The previous
     * batch of the same append (for multi-batch appends) is passed as {@code prevPid/prevEpoch/prevLastSeq}
     * (-1 when none). Throws {@link SamsaException} for a sequence or epoch violation.
     */
    public long[] checkClientBatch(RecordBatchView v, long prevPid, short prevEpoch, int prevLastSeq) {
        return checkClientBatch(v, prevPid, prevEpoch, prevLastSeq, VerificationGuard.NONE);
    }

    /**
     * As {@link #checkClientBatch(RecordBatchView, long, short, int)}, and a transactional batch that would start a
     * transaction must present the producer's verification {@code guard} (unless it is {@link VerificationGuard#NONE}):
     * INVALID_TXN_STATE otherwise.
     */
    public long[] checkClientBatch(RecordBatchView v, long prevPid, short prevEpoch, int prevLastSeq,
                                   VerificationGuard guard) {
        long pid = v.producerId();
        if (pid == RecordBatchView.NO_PRODUCER_ID) {
            if (v.isTransactional()) {
                throw new SamsaException(ErrorCode.INVALID_RECORD, "A transactional batch has no producer id");
            }
            return null;
        }
        short epoch = v.producerEpoch();
        int seq = v.baseSequence();
        if (pid == prevPid) {
            if (epoch != prevEpoch || !inSequence(prevLastSeq, seq)) {
                throw outOfOrder(pid, epoch, seq, prevLastSeq);
            }
            return null;
        }
        ProducerEntry e = producers.get(pid);
        if (e != null) {
            if (epoch < e.epoch) {
                throw new SamsaException(ErrorCode.INVALID_PRODUCER_EPOCH, "Producer " + pid + " epoch " + epoch
                        + " is older than the current epoch " + e.epoch);
            }
            if (epoch == e.epoch) {
                int slot = e.findDuplicate(seq, v.lastSequence());
                if (slot >= 0) {
                    return new long[] {e.firstOffsets[slot], e.lastOffsets[slot]};
                }
            }
        }
        if (e == null || e.epoch != epoch) {
            if (seq != 0 && e != null && e.epoch != RecordBatchView.NO_PRODUCER_EPOCH) {
                throw new SamsaException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + pid
                        + " started epoch " + epoch + " at sequence " + seq + " instead of 0");
            }
        } else if (!inSequence(e.lastSeq(), seq)) {
            throw outOfOrder(pid, epoch, seq, e.lastSeq());
        }
        if (!v.isTransactional() && e != null && e.currentTxnFirstOffset >= 0 && epoch == e.epoch) {
            throw new SamsaException(ErrorCode.INVALID_TXN_STATE, "Producer " + pid
                    + " wrote a non-transactional batch during its ongoing transaction");
        }
        if (v.isTransactional() && guard != VerificationGuard.NONE) {
            checkVerified(pid, epoch, seq, e, guard);
        }
        return null;
    }

    /** A transactional batch that starts a transaction must come with the producer's verification (KIP-890). */
    private void checkVerified(long pid, short epoch, int seq, ProducerEntry e, VerificationGuard guard) {
        if (hasOngoingTransaction(pid, epoch)) {
            return;
        }
        Verification ver = verifications.get(pid);
        if (ver == null || !guard.isGuard() || ver.guard != guard) {
            throw new SamsaException(ErrorCode.INVALID_TXN_STATE, "The batch of producer " + pid + " epoch " + epoch
                    + " is not part of an ongoing transaction (the partition was not verified in it)");
        }
        if (ver.supportsEpochBump && seq != 0 && e == null) {
            throw new SamsaException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + pid + " has no state here "
                    + "and starts a transaction at sequence " + seq + ", not 0");
        }
        if (seq > ver.lowestSeq) {
            throw new SamsaException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + pid + " starts a "
                    + "transaction at sequence " + seq + " after an earlier batch at sequence " + ver.lowestSeq);
        }
    }

    /** True when {@code pid}'s transaction is ongoing here at {@code epoch}. */
    public boolean hasOngoingTransaction(long pid, short epoch) {
        ProducerEntry e = producers.get(pid);
        return e != null && e.currentTxnFirstOffset >= 0 && e.epoch == epoch;
    }

    /**
     * Starts (or joins) the verification of {@code pid}'s transaction before its first batch here (KIP-890 part 1):
     * returns {@link VerificationGuard#SENTINEL} when the transaction is ongoing here already (no verification is
     * needed), else the producer's guard, which the append must present once the coordinator confirmed. A newer epoch
     * restarts the verification at its sequence; the same epoch keeps the lowest sequence. {@code supportsEpochBump}:
     * the producer uses the V2 protocol (its first batch in a partition it has no state in must have sequence 0).
     *
     * @throws SamsaException INVALID_PRODUCER_EPOCH for an epoch older than the producer's
     */
    public VerificationGuard startVerification(long pid, int seq, short epoch, boolean supportsEpochBump, long nowMs) {
        ProducerEntry e = producers.get(pid);
        if (e != null && epoch < e.epoch) {
            throw new SamsaException(ErrorCode.INVALID_PRODUCER_EPOCH, "Producer " + pid + " epoch " + epoch
                    + " is older than the current epoch " + e.epoch);
        }
        if (hasOngoingTransaction(pid, epoch)) {
            return VerificationGuard.SENTINEL;
        }
        Verification ver = verifications.get(pid);
        if (ver == null) {
            ver = new Verification(VerificationGuard.newGuard(), epoch, seq, supportsEpochBump, nowMs);
            verifications.put(pid, ver);
        } else if (epoch > ver.epoch) {
            ver.epoch = epoch;
            ver.lowestSeq = seq;
        } else if (epoch == ver.epoch) {
            ver.lowestSeq = Math.min(ver.lowestSeq, seq);
        }
        ver.supportsEpochBump = supportsEpochBump;
        return ver.guard;
    }

    /** The producer's verification guard in progress, or {@link VerificationGuard#SENTINEL} (tests). */
    public VerificationGuard verificationGuard(long pid) {
        Verification ver = verifications.get(pid);
        return ver == null ? VerificationGuard.SENTINEL : ver.guard;
    }

    /** A verification in progress: the guard, the epoch and lowest sequence seen, the protocol, when it started. */
    private static final class Verification {
        final VerificationGuard guard;
        final long startedMs;
        short epoch;
        int lowestSeq;
        boolean supportsEpochBump;

        Verification(VerificationGuard guard, short epoch, int lowestSeq, boolean supportsEpochBump, long startedMs) {
            this.guard = guard;
            this.epoch = epoch;
            this.lowestSeq = lowestSeq;
            this.supportsEpochBump = supportsEpochBump;
            this.startedMs = startedMs;
        }
    }

    /**
     * Checks a coordinator's batch (its transactional offset commits): no sequence numbers, only the producer's
     * epoch, which must not be older than the one known here.
     */
    public void checkCoordinatorBatch(RecordBatchView v) {
        long pid = v.producerId();
        if (pid == RecordBatchView.NO_PRODUCER_ID) {
            return;
        }
        ProducerEntry e = producers.get(pid);
        if (e != null && v.producerEpoch() < e.epoch) {
            throw new SamsaException(ErrorCode.INVALID_PRODUCER_EPOCH, "Producer " + pid + " epoch "
                    + v.producerEpoch() + " is older than the current epoch " + e.epoch);
        }
    }

    private static SamsaException outOfOrder(long pid, short epoch, int seq, int lastSeq) {
        return new SamsaException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + pid + " epoch " + epoch
                + " sent sequence " + seq + " after " + lastSeq);
    }

    /** {@code next} follows {@code last}, wrapping at Integer.MAX_VALUE. */
    static boolean inSequence(int last, int next) {
        return next == last + 1 || (last == Integer.MAX_VALUE && next == 0);
    }

    /**
     * Applies a written data batch (offsets final): leader, follower, and replay on recovery. Control
     * batches go through {@link #completeTxn}. Returns nothing; never fails.
     */
    public void update(RecordBatchView v) {
        long pid = v.producerId();
        mapEndOffset = Math.max(mapEndOffset, v.lastOffset() + 1);
        if (pid == RecordBatchView.NO_PRODUCER_ID) {
            return;
        }
        ProducerEntry e = producers.computeIfAbsent(pid, ProducerEntry::new);
        short epoch = v.producerEpoch();
        if (epoch != e.epoch) {
            e.epoch = epoch;
            e.clearBatches();
        }
        e.lastTimestamp = Math.max(e.lastTimestamp, v.maxTimestamp());
        if (v.isControl()) {
            return;
        }
        e.addBatch(v.baseSequence(), v.lastSequence(), v.baseOffset(), v.lastOffset());
        if (v.isTransactional()) {
            // The transaction is ongoing now: its verification is done.
            verifications.remove(pid);
            if (e.currentTxnFirstOffset < 0) {
                e.currentTxnFirstOffset = v.baseOffset();
                ongoingTxns.put(v.baseOffset(), pid);
            }
        }
    }

    /**
     * Checks a transaction marker from the coordinator of a V1 transaction ({@link #checkMarker(long, short, int,
     * short)} with transaction version 0).
     */
    public void checkMarker(long pid, short epoch, int coordinatorEpoch) {
        checkMarker(pid, epoch, coordinatorEpoch, (short) 0);
    }

    /**
     * Checks a transaction marker from the coordinator: its coordinator epoch must not be older than the last
     * marker's, and its producer epoch not older than the producer's; for a V2 transaction ({@code
     * transactionVersion} 2, KIP-890 part 2: the coordinator bumps the epoch before it writes markers) it must be
     * newer, except for a marker written again with the epoch of the last one when no transaction is ongoing (a
     * retry of a marker already written: a new coordinator resending, a lost answer), which is accepted.
     */
    public void checkMarker(long pid, short epoch, int coordinatorEpoch, short transactionVersion) {
        ProducerEntry e = producers.get(pid);
        if (e == null) {
            return;
        }
        boolean stale = transactionVersion >= 2 ? epoch <= e.epoch : epoch < e.epoch;
        if (stale && !(transactionVersion >= 2 && epoch == e.epoch && e.currentTxnFirstOffset < 0)) {
            throw new SamsaException(ErrorCode.INVALID_PRODUCER_EPOCH, "Marker for producer " + pid + " has epoch "
                    + epoch + (transactionVersion >= 2 ? " not above" : " below") + " the current epoch " + e.epoch
                    + " (transaction version " + transactionVersion + ")");
        }
        if (coordinatorEpoch < e.coordinatorEpoch) {
            throw new SamsaException(ErrorCode.TRANSACTION_COORDINATOR_FENCED, "Marker for producer " + pid
                    + " has coordinator epoch " + coordinatorEpoch + " below " + e.coordinatorEpoch);
        }
    }

    /**
     * Ends the producer's ongoing transaction with a marker at {@code markerOffset}; returns the
     * transaction's first offset, or -1 when none was ongoing.
     */
    public long completeTxn(long pid, short epoch, int coordinatorEpoch, long markerOffset, long timestamp) {
        ProducerEntry e = producers.computeIfAbsent(pid, ProducerEntry::new);
        if (epoch != e.epoch) {
            e.epoch = epoch;
            e.clearBatches();
        }
        e.coordinatorEpoch = Math.max(e.coordinatorEpoch, coordinatorEpoch);
        e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
        mapEndOffset = Math.max(mapEndOffset, markerOffset + 1);
        long first = e.currentTxnFirstOffset;
        if (first >= 0) {
            ongoingTxns.remove(first);
            e.currentTxnFirstOffset = -1;
        }
        // The transaction is over, and so is its verification; unless a V2 producer already verifies its next
        // transaction, whose epoch is the marker's (the coordinator bumped it for this marker).
        Verification ver = verifications.get(pid);
        if (ver != null && !(ver.supportsEpochBump && ver.epoch == epoch)) {
            verifications.remove(pid);
        }
        return first;
    }

    /** Forgets producers idle for {@code expirationMs} with no ongoing transaction. Returns how many. */
    public int removeExpired(long nowMs, long expirationMs) {
        int removed = 0;
        for (Iterator<ProducerEntry> it = producers.values().iterator(); it.hasNext(); ) {
            ProducerEntry e = it.next();
            if (e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= expirationMs) {
                it.remove();
                removed++;
            }
        }
        verifications.values().removeIf(v -> nowMs - v.startedMs >= expirationMs);
        return removed;
    }

    /** Forgets everything (truncation before reloading, or a fresh start). */
    public void clear(long offset) {
        producers.clear();
        ongoingTxns.clear();
        verifications.clear();
        mapEndOffset = offset;
    }

    /** Writes {@code <offset>.snapshot} of the current state (no fsync; see {@link #forceSnapshot}). */
    public Path takeSnapshot(long offset) throws IOException {
        int size = 10;
        for (ProducerEntry e : producers.values()) {
            size += 8 + 2 + 4 + 8 + 8 + 1 + e.count * 24;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(SNAPSHOT_VERSION).putInt(0).putInt(producers.size());
        for (ProducerEntry e : producers.values()) {
            b.putLong(e.producerId).putShort(e.epoch).putInt(e.coordinatorEpoch).putLong(e.lastTimestamp)
                    .putLong(e.currentTxnFirstOffset).put((byte) e.count);
            for (int i = 0; i < e.count; i++) {
                int slot = (e.head + i) % ProducerEntry.MAX_BATCHES;
                b.putInt(e.firstSeqs[slot]).putInt(e.lastSeqs[slot]).putLong(e.firstOffsets[slot])
                        .putLong(e.lastOffsets[slot]);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 6, size - 6);
        b.putInt(2, (int) crc.getValue());
        b.flip();
        Path file = snapshotFile(offset);
        try (FileChannel ch = disk.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        return file;
    }

    /** Forces a snapshot file to disk (clean shutdown). */
    public static void forceSnapshot(Path file, FileForcer forcer) throws IOException {
        forceSnapshot(Disk.SYSTEM, file, forcer);
    }

    /** Forces a snapshot file on {@code disk} (clean shutdown). */
    public static void forceSnapshot(Disk disk, Path file, FileForcer forcer) throws IOException {
        try (FileChannel ch = disk.open(file, StandardOpenOption.WRITE)) {
            forcer.force(ch, file);
        }
    }

    public Path snapshotFile(long offset) {
        return dir.resolve(String.format("%020d", offset) + SNAPSHOT_SUFFIX);
    }

    /** Offsets of the snapshot files present, ascending. */
    public TreeSet<Long> snapshotOffsets() throws IOException {
        TreeSet<Long> out = new TreeSet<>();
        for (Path p : disk.list(dir)) {
            String name = p.getFileName().toString();
            if (!name.endsWith(SNAPSHOT_SUFFIX)) {
                continue;
            }
            String num = name.substring(0, name.length() - SNAPSHOT_SUFFIX.length());
            if (num.length() == 20 && num.chars().allMatch(Character::isDigit)) {
                out.add(Long.parseLong(num));
            }
        }
        return out;
    }

    /**
     * Loads the newest valid snapshot at or below {@code maxOffset} (skipping newer ones, deleting any that fail
     * their CRC); returns its offset, or -1 when none is usable (state is then empty). Snapshots above the log end
     * are the caller's to delete ({@link #deleteSnapshotsAbove}).
     */
    public long loadLatestSnapshot(long maxOffset) throws IOException {
        clear(0);
        TreeSet<Long> offsets = snapshotOffsets();
        for (Long off : offsets.descendingSet()) {
            Path f = snapshotFile(off);
            if (off > maxOffset) {
                continue;
            }
            if (read(f)) {
                mapEndOffset = off;
                return off;
            }
            log.warn("Ignoring corrupt producer state snapshot {}", f);
            disk.deleteIfExists(f);
        }
        return -1;
    }

    private boolean read(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(disk.readAllBytes(f));
        if (b.remaining() < 10 || b.getShort(0) != SNAPSHOT_VERSION) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 6, b.remaining() - 6);
        if ((int) crc.getValue() != b.getInt(2)) {
            return false;
        }
        b.position(6);
        int n = b.getInt();
        List<ProducerEntry> loaded = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ProducerEntry e = new ProducerEntry(b.getLong());
                e.epoch = b.getShort();
                e.coordinatorEpoch = b.getInt();
                e.lastTimestamp = b.getLong();
                e.currentTxnFirstOffset = b.getLong();
                int batches = b.get();
                if (batches < 0 || batches > ProducerEntry.MAX_BATCHES) {
                    return false;
                }
                for (int j = 0; j < batches; j++) {
                    e.addBatch(b.getInt(), b.getInt(), b.getLong(), b.getLong());
                }
                loaded.add(e);
            }
        } catch (RuntimeException e) {
            return false;
        }
        for (ProducerEntry e : loaded) {
            producers.put(e.producerId, e);
            if (e.currentTxnFirstOffset >= 0) {
                ongoingTxns.put(e.currentTxnFirstOffset, e.producerId);
            }
        }
        return true;
    }

    /** Deletes snapshots above {@code offset} (truncation). */
    public void deleteSnapshotsAbove(long offset) throws IOException {
        for (Long off : snapshotOffsets()) {
            if (off > offset) {
                disk.deleteIfExists(snapshotFile(off));
            }
        }
    }

    /** Deletes snapshots below {@code offset}, keeping the newest one below it (retention). */
    public void deleteSnapshotsBelow(long offset) throws IOException {
        TreeSet<Long> all = snapshotOffsets();
        Long keep = all.floor(offset);
        for (Long off : all) {
            if (off < offset && !off.equals(keep)) {
                disk.deleteIfExists(snapshotFile(off));
            }
        }
    }

    /**
     * For the log cleaner: per producer id, {@code {last data offset (-1 when no batch is remembered), epoch}}. The
     * cleaner keeps the batch holding that offset (or, without one, the producer's last marker) so that sequence and
     * epoch checks still work after cleaning.
     */
    public Map<Long, long[]> lastBatches() {
        Map<Long, long[]> out = new HashMap<>(producers.size() * 2);
        for (ProducerEntry e : producers.values()) {
            out.put(e.producerId, new long[] {e.lastOffset(), e.epoch});
        }
        return out;
    }
}
