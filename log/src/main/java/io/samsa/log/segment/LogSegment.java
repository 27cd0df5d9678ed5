package io.samsa.log.segment;

import io.netty.buffer.ByteBuf;
import io.samsa.common.Disk;
import io.samsa.log.FileForcer;
import io.samsa.log.FileSlice;
import io.samsa.log.TimestampOffset;
import io.samsa.log.index.AbstractIndex;
import io.samsa.log.index.OffsetIndex;
import io.samsa.log.index.TimeIndex;
import io.samsa.log.index.TransactionIndex;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * One segment of a partition's log: the {@code .log} file named by its base offset and its offset, time and
 * transaction indexes.
 *
 * <p>Threads: the partition's writer thread calls every mutating method (append, activate, deactivate,
 * recover, truncate, rename); readers on any thread call {@link #read}, {@link #findOffsetByTimestamp},
 * {@link #acquire} and the getters, which see the volatile {@link #size()} the writer publishes after the
 * bytes and index entries. The flusher calls {@link #flush}.
 *
 * <p>Owns: while active, the writable {@link SegmentHandles} ("pinned"); while inactive, nothing open: its
 * handles live in the shared {@link HandleCache}. Every file operation goes through the log's {@link Disk}; the
 * channels it opens are then used directly (positional writes, reads, sendfile).
 */
public final class LogSegment {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String TXN_INDEX_SUFFIX = ".txnindex";
    public static final String DELETED_SUFFIX = ".deleted";

    private static final ThreadLocal<ByteBuffer> HEADER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(RecordBatchView.HEADER_SIZE));

    private final Disk disk;
    private final Path dir;
    private final long baseOffset;
    private final HandleCache cache;
    private final int maxIndexSize;
    private final TransactionIndex txnIndex;
    private int indexIntervalBytes;
    private volatile Path logFile;
    private volatile int size;
    private volatile long maxTimestamp = -1;
    private volatile long offsetOfMaxTimestamp = -1;
    private volatile SegmentHandles pinned;
    private volatile boolean deleted;
    private long rollingBaseTimestamp = -1;
    private long nextOffset;
    private int bytesSinceLastIndexEntry;

    private LogSegment(Disk disk, Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                       int indexIntervalBytes) {
        this.disk = disk;
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.cache = cache;
        this.maxIndexSize = maxIndexSize;
        this.indexIntervalBytes = indexIntervalBytes;
        this.logFile = file(dir, baseOffset, LOG_SUFFIX);
        this.txnIndex = new TransactionIndex(disk, file(dir, baseOffset, TXN_INDEX_SUFFIX));
        this.nextOffset = baseOffset;
    }

    /** {@code dir/<20-digit base offset><suffix>}. */
    public static Path file(Path dir, long baseOffset, String suffix) {
        return dir.resolve(String.format("%020d", baseOffset) + suffix);
    }

    /** Creates a new, empty, active segment (replacing leftovers with the same base offset). Writer thread. */
    public static LogSegment create(Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                                    int indexIntervalBytes) throws IOException {
        return create(Disk.SYSTEM, dir, baseOffset, cache, maxIndexSize, indexIntervalBytes);
    }

    /** As {@link #create(Path, long, HandleCache, int, int)}, on {@code disk}. */
    public static LogSegment create(Disk disk, Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                                    int indexIntervalBytes) throws IOException {
        LogSegment s = new LogSegment(disk, dir, baseOffset, cache, maxIndexSize, indexIntervalBytes);
        disk.deleteIfExists(file(dir, baseOffset, INDEX_SUFFIX));
        disk.deleteIfExists(file(dir, baseOffset, TIME_INDEX_SUFFIX));
        s.txnIndex.deleteIfExists();
        try (FileChannel ch = disk.open(s.logFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.size();
        }
        s.activate();
        return s;
    }

    /**
     * Opens an existing segment without opening any handle: its size is the file's length and its largest
     * timestamp comes from the time index's last entry (checked later by {@link #checkIndexes()}).
     */
    public static LogSegment open(Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                                  int indexIntervalBytes) throws IOException {
        return open(Disk.SYSTEM, dir, baseOffset, cache, maxIndexSize, indexIntervalBytes);
    }

    /** As {@link #open(Path, long, HandleCache, int, int)}, on {@code disk}. */
    public static LogSegment open(Disk disk, Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                                  int indexIntervalBytes) throws IOException {
        LogSegment s = new LogSegment(disk, dir, baseOffset, cache, maxIndexSize, indexIntervalBytes);
        long length = disk.size(s.logFile);
        if (length > Integer.MAX_VALUE) {
            throw new IOException("Segment " + s.logFile + " is larger than 2 GiB");
        }
        s.size = (int) length;
        s.txnIndex.load();
        Path ti = file(dir, baseOffset, TIME_INDEX_SUFFIX);
        if (disk.exists(ti)) {
            long tlen = disk.size(ti);
            if (tlen >= TimeIndex.ENTRY_SIZE && tlen % TimeIndex.ENTRY_SIZE == 0) {
                try (FileChannel ch = disk.open(ti, StandardOpenOption.READ)) {
                    ByteBuffer last = ByteBuffer.allocate(TimeIndex.ENTRY_SIZE);
                    while (last.hasRemaining() && ch.read(last, tlen - TimeIndex.ENTRY_SIZE + last.position()) > 0) {
                        // Read the last entry.
                    }
                    s.maxTimestamp = last.getLong(0);
                    s.offsetOfMaxTimestamp = baseOffset + last.getInt(8);
                }
            }
        }
        return s;
    }

    public long baseOffset() {
        return baseOffset;
    }

    /** Bytes in the {@code .log}; any thread. */
    public int size() {
        return size;
    }

    /** The largest timestamp of the segment, or -1 when none is known. Any thread. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** The base offset of the batch holding {@link #maxTimestamp()}, or -1. Any thread. */
    public long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    /** The offset after the last batch; known for the active segment and for recovered ones. Writer thread. */
    public long nextOffset() {
        return nextOffset;
    }

    public boolean isActive() {
        return pinned != null;
    }

    public Path logFile() {
        return logFile;
    }

    public TransactionIndex txnIndex() {
        return txnIndex;
    }

    public void setIndexIntervalBytes(int bytes) {
        this.indexIntervalBytes = bytes;
    }

    /** Modification time of the .log, for retention of segments without timestamps. */
    public long lastModifiedMs() {
        try {
            return disk.lastModifiedMillis(logFile);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Makes this the active segment: opens writable handles with room to append index entries. */
    public void activate() throws IOException {
        if (pinned != null) {
            return;
        }
        cache.invalidate(this);
        FileChannel ch = disk.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            OffsetIndex oi = new OffsetIndex(disk, file(dir, baseOffset, INDEX_SUFFIX), baseOffset, maxIndexSize,
                    true);
            TimeIndex ti = new TimeIndex(disk, file(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset, maxIndexSize,
                    true);
            pinned = new SegmentHandles(ch, oi, ti, true);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Makes the segment inactive (a roll, or a clean close): appends its largest timestamp to the time
     * index, trims both indexes to their entries and drops the pinned handles (they close once readers let go).
     */
    public void deactivate() throws IOException {
        SegmentHandles h = pinned;
        if (h == null) {
            return;
        }
        if (h.writable()) {
            h.timeIndex().appendFinal(maxTimestamp, offsetOfMaxTimestamp);
            h.offsetIndex().trimToValidSize();
            h.timeIndex().trimToValidSize();
        }
        pinned = null;
        h.release();
    }

    SegmentHandles openColdHandles() {
        if (deleted) {
            throw new UncheckedIOException(new NoSuchFileException(logFile.toString()));
        }
        try {
            FileChannel ch = disk.open(logFile, StandardOpenOption.READ);
            try {
                Path oif = file(dir, baseOffset, INDEX_SUFFIX);
                Path tif = file(dir, baseOffset, TIME_INDEX_SUFFIX);
                ensureExists(oif);
                ensureExists(tif);
                OffsetIndex oi = new OffsetIndex(disk, oif, baseOffset, maxIndexSize, false);
                TimeIndex ti = new TimeIndex(disk, tif, baseOffset, maxIndexSize, false);
                return new SegmentHandles(ch, oi, ti, false);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void ensureExists(Path f) throws IOException {
        if (!disk.exists(f)) {
            disk.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        }
    }

    /**
     * Returns retained handles (the caller must release them), or null if the segment was deleted. Any thread.
     */
    public SegmentHandles acquire() {
        SegmentHandles p = pinned;
        if (p != null && p.retain()) {
            return p;
        }
        if (deleted) {
            return null;
        }
        try {
            return cache.acquire(this);
        } catch (UncheckedIOException e) {
            if (deleted) {
                return null;
            }
            throw e;
        }
    }

    /** Whether another append of {@code bytes} with offsets up to {@code lastOffset} must go to a new segment. */
    public boolean offsetFits(long lastOffset) {
        return lastOffset - baseOffset <= Integer.MAX_VALUE;
    }

    /** True when an index has no room for another entry (a reason to roll). Writer thread. */
    public boolean indexFull() {
        SegmentHandles h = pinned;
        return h != null && (h.offsetIndex().isFull() || h.timeIndex().isFull());
    }

    /**
     * The time that has passed for segment.ms purposes: Kafka measures from the first batch's max timestamp
     * to the incoming batch's, or from the segment's creation when batches carry no timestamps.
     */
    public long timeWaitedForRoll(long nowMs, long incomingMaxTimestamp, long createdMs) {
        if (rollingBaseTimestamp >= 0 && incomingMaxTimestamp >= 0) {
            return incomingMaxTimestamp - rollingBaseTimestamp;
        }
        return nowMs - createdMs;
    }

    /**
     * Writes {@code len} bytes of whole, final batches from {@code buf} at {@code from} (borrowed, not
     * retained) to the end of the file, then indexes them and publishes the new size. Writer thread.
     */
    public void append(ByteBuf buf, int from, int len, RecordBatchView view) throws IOException {
        SegmentHandles h = pinned;
        int start = size;
        long at = start;
        if (buf.nioBufferCount() == 1) {
            at = writeFully(h.channel(), buf.nioBuffer(from, len), at);
        } else {
            for (ByteBuffer b : buf.nioBuffers(from, len)) {
                at = writeFully(h.channel(), b, at);
            }
        }
        int pos = start;
        int i = from;
        int end = from + len;
        while (i < end) {
            view.wrap(buf, i);
            int s = view.sizeInBytes();
            indexBatch(h, view, pos, s);
            pos += s;
            i += s;
        }
        size = pos;
    }

    private static long writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
        return at;
    }

    private void indexBatch(SegmentHandles h, RecordBatchView view, int position, int batchSize)
            throws IOException {
        long ts = view.maxTimestamp();
        if (rollingBaseTimestamp < 0 && position == 0) {
            rollingBaseTimestamp = ts;
        }
        if (ts > maxTimestamp) {
            maxTimestamp = ts;
            offsetOfMaxTimestamp = view.baseOffset();
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes && !h.offsetIndex().isFull()) {
            h.offsetIndex().append(view.baseOffset(), position);
            h.timeIndex().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
        nextOffset = view.lastOffset() + 1;
    }

    /**
     * Checks this inactive segment's index files against its data without trusting them; returns the first
     * problem or null. Writer thread, during load.
     */
    public String checkIndexes() {
        Path oif = file(dir, baseOffset, INDEX_SUFFIX);
        Path tif = file(dir, baseOffset, TIME_INDEX_SUFFIX);
        try {
            if (!disk.exists(oif) || !disk.exists(tif)) {
                return "an index file is missing";
            }
            if (AbstractIndex.wholeEntries(disk.size(oif), OffsetIndex.ENTRY_SIZE) < 0
                    || AbstractIndex.wholeEntries(disk.size(tif), TimeIndex.ENTRY_SIZE) < 0) {
                return "an index file's length is not a whole number of entries";
            }
        } catch (IOException e) {
            return e.toString();
        }
        SegmentHandles h = acquire();
        if (h == null) {
            return "deleted";
        }
        try {
            String p = h.offsetIndex().sanityCheck(size);
            if (p == null) {
                p = h.timeIndex().sanityCheck(Integer.MAX_VALUE);
            }
            if (p == null && size > 0 && h.timeIndex().entries() == 0) {
                p = "the time index of a non-empty inactive segment is empty";
            }
            return p;
        } finally {
            h.release();
        }
    }

    /**
     * Rebuilds both indexes by scanning every batch from the start, checking each (length, magic, CRC,
     * increasing offsets within this segment); cuts the file at the first invalid batch. Leaves the segment
     * active. {@code onBatch} sees each valid batch. Returns the number of bytes cut. Writer thread.
     */
    public long recover(Consumer<RecordBatchView> onBatch) throws IOException {
        activate();
        SegmentHandles h = pinned;
        h.offsetIndex().reset();
        h.timeIndex().reset();
        maxTimestamp = -1;
        offsetOfMaxTimestamp = -1;
        rollingBaseTimestamp = -1;
        bytesSinceLastIndexEntry = 0;
        nextOffset = baseOffset;
        return scanFrom(h, 0, onBatch);
    }

    /**
     * After a clean shutdown: trusts the indexes and scans only after the last offset-index entry to learn
     * the next offset and the tail's timestamps. Leaves the segment active. Returns bytes cut (normally 0).
     */
    public long loadTail(Consumer<RecordBatchView> onBatch) throws IOException {
        activate();
        SegmentHandles h = pinned;
        int from = h.offsetIndex().lastPosition();
        long ts = h.timeIndex().lastTimestamp();
        if (ts > maxTimestamp) {
            maxTimestamp = ts;
            offsetOfMaxTimestamp = h.timeIndex().lastOffset();
        }
        bytesSinceLastIndexEntry = 0;
        nextOffset = baseOffset;
        if (from > 0) {
            bytesSinceLastIndexEntry = 0;
            rollingBaseTimestamp = firstBatchMaxTimestamp(h);
        }
        return scanFrom(h, from, onBatch);
    }

    private long firstBatchMaxTimestamp(SegmentHandles h) throws IOException {
        ByteBuffer hdr = HEADER.get();
        return readHeader(h.channel(), 0, size, hdr) ? hdr.getLong(RecordBatchView.MAX_TIMESTAMP_OFFSET) : -1;
    }

    private long scanFrom(SegmentHandles h, int from, Consumer<RecordBatchView> onBatch) throws IOException {
        FileChannel ch = h.channel();
        long length = ch.size();
        try (BatchScanner scanner = new BatchScanner(ch, from, length, baseOffset)) {
            RecordBatchView v;
            long valid = from;
            String problem = null;
            while ((v = scanner.next()) != null) {
                if (!offsetFits(v.lastOffset())) {
                    problem = "batch offset " + v.lastOffset() + " does not fit relative to " + baseOffset;
                    break;
                }
                indexBatch(h, v, (int) scanner.batchPosition(v), v.sizeInBytes());
                if (onBatch != null) {
                    onBatch.accept(v);
                }
                valid = scanner.position();
            }
            if (problem == null) {
                problem = scanner.problem();
            }
            long cut = length - valid;
            if (cut > 0) {
                log.warn("Cutting {} bytes at position {} of {}: {}", cut, valid, logFile, problem);
                ch.truncate(valid);
            }
            size = (int) valid;
            return cut;
        }
    }

    /**
     * Removes every batch at or after the one holding {@code offset} (the file is cut at a batch boundary)
     * and the index entries above the cut. The segment must be active. Returns the new next offset. Writer thread.
     */
    public long truncateTo(long offset) throws IOException {
        SegmentHandles h = pinned;
        ByteBuffer hdr = HEADER.get();
        int pos = findBatch(h, offset, size, hdr);
        if (pos < 0) {
            return nextOffset;
        }
        long cutBase = hdr.getLong(RecordBatchView.BASE_OFFSET_OFFSET);
        h.channel().truncate(pos);
        size = pos;
        h.offsetIndex().truncateTo(cutBase);
        h.timeIndex().truncateTo(cutBase);
        txnIndex.truncateTo(cutBase);
        maxTimestamp = h.timeIndex().lastTimestamp();
        offsetOfMaxTimestamp = h.timeIndex().lastOffset();
        rollingBaseTimestamp = pos == 0 ? -1 : firstBatchMaxTimestamp(h);
        bytesSinceLastIndexEntry = 0;
        nextOffset = baseOffset;
        scanFrom(h, h.offsetIndex().lastPosition(), null);
        return nextOffset;
    }

    /**
     * Returns the whole batches that start at the batch holding {@code startOffset}: at most {@code maxBytes}
     * (but the first batch whole if {@code minOneMessage}), only batches whose last offset is below
     * {@code maxOffset}. Returns null when no batch of this segment reaches {@code startOffset}, and an empty
     * slice when the first batch does not qualify. Any thread.
     */
    public FileSlice read(long startOffset, int maxBytes, long maxOffset, boolean minOneMessage) throws IOException {
        SegmentHandles h = acquire();
        if (h == null) {
            return null;
        }
        boolean handedOff = false;
        try {
            int limit = size;
            ByteBuffer hdr = HEADER.get();
            int pos = findBatch(h, startOffset, limit, hdr);
            if (pos < 0) {
                return null;
            }
            long first = hdr.getLong(RecordBatchView.BASE_OFFSET_OFFSET);
            int total = 0;
            int p = pos;
            while (p < limit && readHeader(h.channel(), p, limit, hdr)) {
                long last = hdr.getLong(0) + hdr.getInt(RecordBatchView.LAST_OFFSET_DELTA_OFFSET);
                int s = RecordBatchView.LOG_OVERHEAD + hdr.getInt(RecordBatchView.BATCH_LENGTH_OFFSET);
                if (last >= maxOffset || s <= 0 || p + (long) s > limit) {
                    break;
                }
                if ((long) total + s > maxBytes && !(total == 0 && minOneMessage)) {
                    break;
                }
                total += s;
                p += s;
                if (total >= maxBytes) {
                    break;
                }
            }
            if (total == 0) {
                return FileSlice.EMPTY;
            }
            handedOff = true;
            return new FileSlice(h, pos, total, first);
        } finally {
            if (!handedOff) {
                h.release();
            }
        }
    }

    /**
     * The position of the first batch whose last offset is at or above {@code target}, with its header in
     * {@code hdr}, or -1 when none is.
     */
    private static int findBatch(SegmentHandles h, long target, int limit, ByteBuffer hdr) throws IOException {
        int p = h.offsetIndex().lookup(target);
        while (p < limit && readHeader(h.channel(), p, limit, hdr)) {
            long last = hdr.getLong(0) + hdr.getInt(RecordBatchView.LAST_OFFSET_DELTA_OFFSET);
            if (last >= target) {
                return p;
            }
            int s = RecordBatchView.LOG_OVERHEAD + hdr.getInt(RecordBatchView.BATCH_LENGTH_OFFSET);
            if (s <= RecordBatchView.LOG_OVERHEAD) {
                return -1;
            }
            p += s;
        }
        return -1;
    }

    private static boolean readHeader(FileChannel ch, long pos, int limit, ByteBuffer hdr) throws IOException {
        if (limit - pos < RecordBatchView.HEADER_SIZE) {
            return false;
        }
        hdr.clear();
        while (hdr.hasRemaining()) {
            if (ch.read(hdr, pos + hdr.position()) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first record at or above {@code startOffset} whose timestamp is at or above {@code target} (exact,
     * inside compressed batches too: see {@link RecordTimestamps}), or null when no record of this segment has
     * one. Any thread.
     */
    public TimestampOffset findOffsetByTimestamp(long target, long startOffset) throws IOException {
        if (maxTimestamp >= 0 && maxTimestamp < target && !isActive()) {
            return null;
        }
        SegmentHandles h = acquire();
        if (h == null) {
            return null;
        }
        try {
            long from = Math.max(h.timeIndex().lookupBelow(target), startOffset);
            int pos = h.offsetIndex().lookup(from);
            try (BatchScanner scanner = new BatchScanner(h.channel(), pos, size, baseOffset)) {
                RecordBatchView v;
                while ((v = scanner.next()) != null) {
                    TimestampOffset found = RecordTimestamps.firstAtOrAfter(v, target, startOffset);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        } finally {
            h.release();
        }
    }

    /**
     * The first record carrying this segment's max timestamp, exact inside compressed batches, or null when the
     * segment has no timestamps. Any thread.
     */
    public TimestampOffset findMaxTimestamp() throws IOException {
        long batchBase = offsetOfMaxTimestamp;
        long max = maxTimestamp;
        if (batchBase < 0) {
            return null;
        }
        SegmentHandles h = acquire();
        if (h == null) {
            return null;
        }
        try {
            int pos = h.offsetIndex().lookup(batchBase);
            try (BatchScanner scanner = new BatchScanner(h.channel(), pos, size, baseOffset)) {
                RecordBatchView v;
                while ((v = scanner.next()) != null) {
                    if (v.baseOffset() == batchBase) {
                        return RecordTimestamps.firstWithMaxTimestamp(v);
                    }
                }
            }
            return new TimestampOffset(max, batchBase, -1);
        } finally {
            h.release();
        }
    }

    /** Scans every valid batch from {@code startOffset} to the end of the segment. Writer thread. */
    public void scan(long startOffset, Consumer<RecordBatchView> onBatch) throws IOException {
        SegmentHandles h = acquire();
        if (h == null) {
            return;
        }
        try {
            int pos = h.offsetIndex().lookup(startOffset);
            try (BatchScanner scanner = new BatchScanner(h.channel(), pos, size, baseOffset)) {
                RecordBatchView v;
                while ((v = scanner.next()) != null) {
                    if (v.lastOffset() >= startOffset) {
                        onBatch.accept(v);
                    }
                }
            }
        } finally {
            h.release();
        }
    }

    /**
     * Forces the data and the transaction index (and, once inactive, the offset and time indexes) to disk. Flusher
     * thread.
     */
    public void flush(FileForcer forcer) throws IOException {
        SegmentHandles h = acquire();
        if (h == null) {
            return;
        }
        try {
            forcer.force(h.channel(), logFile);
            txnIndex.force(forcer);
            if (!h.writable()) {
                h.offsetIndex().flush();
                h.timeIndex().flush();
            }
        } finally {
            h.release();
        }
    }

    /**
     * Renames the files to {@code *.deleted} and closes the handles once readers release them: the first
     * step of asynchronous deletion. A {@code *.deleted} file of an earlier segment with the same base offset (a
     * follower truncating through the same offset twice within {@code file.delete.delay.ms}) is replaced: it was
     * waiting for deletion too. Writer thread.
     */
    public void renameForDeletion() throws IOException {
        if (!deleted) {
            markReplaced(); // else retired by the cleaner's swap, which closes its files off the writer
        }
        for (String suffix : new String[] {LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX}) {
            Path f = file(dir, baseOffset, suffix);
            if (disk.exists(f)) {
                disk.move(f, f.resolveSibling(f.getFileName() + DELETED_SUFFIX), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        txnIndex.renameTo(txnIndex.file().resolveSibling(txnIndex.file().getFileName() + DELETED_SUFFIX));
        logFile = logFile.resolveSibling(logFile.getFileName() + DELETED_SUFFIX);
    }

    /** Deletes the renamed files. Background (deleter) thread. */
    public void deleteFiles() throws IOException {
        for (String suffix : new String[] {LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX}) {
            disk.deleteIfExists(dir.resolve(String.format("%020d", baseOffset) + suffix + DELETED_SUFFIX));
        }
    }

    // ---------------------------------------------------------------- the cleaner's swap (writer thread)

    /**
     * Pins {@code handles} (this inactive segment's, acquired beforehand by the cleaner, off the writer thread: opening
     * files has no place on a shard) so that readers keep reading these files' contents while the cleaner's swap
     * renames new files over their names. Takes over the caller's reference; released by {@link #markReplaced} or
     * {@link #renameForDeletion}. Writer thread.
     */
    public void holdOpen(SegmentHandles handles) {
        if (pinned == null && !deleted) {
            pinned = handles;
        } else {
            handles.release();
        }
    }

    /**
     * The segment the cleaner just swapped in under {@code baseOffset}'s names, from what the cleaner knows of it (its
     * size and largest timestamp), without touching the files: the swap runs on the writer thread. No handle is open;
     * reads open them through the cache.
     */
    public static LogSegment openCleaned(Disk disk, Path dir, long baseOffset, HandleCache cache, int maxIndexSize,
                                         int indexIntervalBytes, int size, long maxTimestamp,
                                         long offsetOfMaxTimestamp) {
        LogSegment s = new LogSegment(disk, dir, baseOffset, cache, maxIndexSize, indexIntervalBytes);
        s.size = size;
        s.maxTimestamp = maxTimestamp;
        s.offsetOfMaxTimestamp = offsetOfMaxTimestamp;
        return s;
    }

    /**
     * Retires this segment after the cleaner's swap put a new segment under its names: nothing is renamed or deleted
     * (the files are the new segment's now); readers that still hold its handles finish on the old contents, later
     * {@link #acquire} calls get null. Returns the closing of its handles (effective once readers release them) for
     * the caller to run off the writer thread: the swap renamed another file over this one's names, so the last
     * close frees the old file's blocks, milliseconds of file-system work that would stall every partition of the
     * writer's shard. Writer thread.
     */
    public Runnable retire() {
        deleted = true;
        SegmentHandles h = pinned;
        pinned = null;
        return () -> {
            if (h != null) {
                h.release();
            }
            cache.invalidate(this);
        };
    }

    /** {@link #retire}, closing the handles at once. Writer thread. */
    public void markReplaced() {
        retire().run();
    }

    /** True once the segment was deleted or replaced: a reader that got null from it looks the offset up again. */
    public boolean isDeleted() {
        return deleted;
    }

    /** Closes without deleting (clean shutdown): deactivates if active. Writer thread. */
    public void close() throws IOException {
        deactivate();
        cache.invalidate(this);
    }

    @Override
    public String toString() {
        return "LogSegment(" + logFile.getFileName() + ", size=" + size + ")";
    }
}
