package io.samsa.controller.log;

import io.samsa.common.Clock;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The metadata log on disk: segment files of {@link EntryFormat} batches under
 * {@code <data dir>/__cluster_metadata-0/}, named {@code <base offset, 20 digits>.log}, plus
 * {@link SnapshotFile}s. Appends are written at once and become durable on {@link #flush()}
 * (the controller flushes once for a group of appends: group commit).
 *
 * <p>{@link #open} recovers: it loads the newest readable snapshot, scans every segment, checks each
 * entry's frame, CRC, offset continuity and epoch order, cuts the log at the first entry that
 * fails (a torn or corrupt tail; later segments are deleted), and keeps the entries after the
 * snapshot for the controller to replay ({@link #recoveredEntries()}).
 *
 * <p>Not thread-safe: owned by the controller thread (or the thread that opens it before the
 * controller starts).
 */
public final class MetadataLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(MetadataLog.class);

    public static final String DIR_NAME = "__cluster_metadata-0";
    private static final String SEGMENT_SUFFIX = ".log";
    private static final Pattern SEGMENT_NAME = Pattern.compile("\\d{20}\\.log");

    /** Tunables: segment roll size, largest entry accepted, how many snapshots are kept. */
    public record Options(long segmentBytes, int maxEntryBytes, int snapshotsRetained) {
        public Options {
            if (segmentBytes < EntryFormat.HEADER_SIZE || maxEntryBytes < EntryFormat.HEADER_SIZE
                    || snapshotsRetained < 1) {
                throw new IllegalArgumentException("Invalid metadata log options");
            }
        }

        public static Options defaults() {
            return new Options(64L << 20, 64 << 20, 2);
        }
    }

    private final Path dir;
    private final Options options;
    private final Clock clock;
    private final String prefix;
    private final TreeMap<Long, Path> segments = new TreeMap<>();
    private final SnapshotFile.Loaded snapshot;
    private List<LogEntry> recovered;
    private FileChannel active;
    private long activeSize;
    private long nextOffset;
    private long flushedOffset;
    private int lastEpoch;
    private long appendedBytes;

    private MetadataLog(Path dir, Options options, Clock clock, SnapshotFile.Loaded snapshot) {
        this.dir = dir;
        this.options = options;
        this.clock = clock;
        this.snapshot = snapshot;
        this.prefix = "[metadata-log " + dir + "] ";
    }

    /** Opens (creating if needed) the metadata log under {@code dataDir}, recovering as described above. */
    public static MetadataLog open(Path dataDir, Options options, Clock clock) throws IOException {
        Path dir = dataDir.resolve(DIR_NAME);
        Files.createDirectories(dir);
        for (Path p : list(dir)) {
            if (p.getFileName().toString().endsWith(SnapshotFile.TEMP_SUFFIX)) {
                Files.delete(p);
            }
        }
        SnapshotFile.Loaded snapshot = null;
        for (Path p : snapshotFiles(dir)) {
            try {
                snapshot = SnapshotFile.read(p);
                break;
            } catch (DecodeException e) {
                log.warn("[metadata-log {}] Skipping unreadable snapshot {}: {}", dir, p.getFileName(), e.getMessage());
            }
        }
        MetadataLog metadataLog = new MetadataLog(dir, options, clock, snapshot);
        metadataLog.recover();
        return metadataLog;
    }

    private void recover() throws IOException {
        for (Path p : list(dir)) {
            String name = p.getFileName().toString();
            if (SEGMENT_NAME.matcher(name).matches()) {
                segments.put(Long.parseLong(name.substring(0, 20)), p);
            }
        }
        long snapshotEnd = snapshot == null ? 0 : snapshot.endOffset();
        if (snapshot == null && !segments.isEmpty() && segments.firstKey() != 0) {
            throw storageError("The metadata log starts at offset " + segments.firstKey()
                + " and there is no readable snapshot before it");
        }
        List<LogEntry> entries = new ArrayList<>();
        long expected = segments.isEmpty() ? snapshotEnd : segments.firstKey();
        int epoch = -1;
        long truncatedBytes = 0;
        boolean cut = false;
        for (Map.Entry<Long, Path> seg : new ArrayList<>(segments.entrySet())) {
            if (cut || seg.getKey() != expected) {
                truncatedBytes += Files.size(seg.getValue());
                Files.delete(seg.getValue());
                segments.remove(seg.getKey());
                cut = true;
                continue;
            }
            try (FileChannel ch = FileChannel.open(seg.getValue(), StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long size = ch.size();
                long pos = 0;
                while (pos < size) {
                    LogEntry entry = readEntry(ch, pos, size);
                    if (entry == null || entry.baseOffset() != expected || entry.epoch() < epoch) {
                        break;
                    }
                    entries.add(entry);
                    expected = entry.nextOffset();
                    epoch = entry.epoch();
                    pos += EntryFormat.LENGTH_FIELD + (long) lengthAt(ch, pos);
                }
                if (pos < size) {
                    truncatedBytes += size - pos;
                    ch.truncate(pos);
                    ch.force(true);
                    cut = true;
                }
            }
        }
        if (truncatedBytes > 0) {
            log.warn("{}Cut {} byte(s) of torn or corrupt tail; the log now ends at offset {}",
                prefix, truncatedBytes, expected);
        }
        long logStart = segments.isEmpty() ? expected : segments.firstKey();
        if (expected < snapshotEnd) {
            // The log holds nothing after the snapshot: restart it at the snapshot's end.
            for (Path p : segments.values()) {
                Files.delete(p);
            }
            segments.clear();
            entries.clear();
            expected = snapshotEnd;
        } else if (logStart > snapshotEnd) {
            throw storageError("The metadata log starts at offset " + logStart + " after the snapshot's end "
                + snapshotEnd);
        }
        List<LogEntry> after = new ArrayList<>();
        for (LogEntry e : entries) {
            if (e.baseOffset() >= snapshotEnd) {
                after.add(e);
            } else if (e.nextOffset() > snapshotEnd) {
                throw storageError("Log entry " + e.baseOffset() + ".." + e.lastOffset()
                    + " straddles the snapshot end " + snapshotEnd);
            }
        }
        this.recovered = after;
        this.nextOffset = expected;
        this.flushedOffset = expected;
        this.lastEpoch = Math.max(epoch, snapshot == null ? -1 : snapshot.epoch());
        if (segments.isEmpty()) {
            openNewSegment(expected);
        } else {
            Path last = segments.lastEntry().getValue();
            active = FileChannel.open(last, StandardOpenOption.WRITE);
            activeSize = active.size();
            active.position(activeSize);
        }
        log.info("{}Opened: snapshot end {}, {} entr(ies) to replay, next offset {}, last epoch {}",
            prefix, snapshotEnd, after.size(), nextOffset, lastEpoch);
    }

    private static int lengthAt(FileChannel ch, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4);
        readFully(ch, b, pos);
        return b.getInt(0);
    }

    /** Reads and decodes the entry at {@code pos}, or returns null when it is torn or corrupt. */
    private LogEntry readEntry(FileChannel ch, long pos, long size) throws IOException {
        if (size - pos < EntryFormat.HEADER_SIZE) {
            return null;
        }
        int length = lengthAt(ch, pos);
        if (length < EntryFormat.MIN_LENGTH || length > options.maxEntryBytes()
                || length > size - pos - EntryFormat.LENGTH_FIELD) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(EntryFormat.LENGTH_FIELD + length);
        readFully(ch, buf, pos);
        buf.flip();
        try {
            return EntryFormat.decode(buf);
        } catch (DecodeException e) {
            log.warn("{}Corrupt entry at byte {} of the log: {}", prefix, pos, e.getMessage());
            return null;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new IOException("Unexpected end of file at " + p);
            }
            p += n;
        }
    }

    /** The snapshot loaded at open, or null. */
    public SnapshotFile.Loaded snapshot() {
        return snapshot;
    }

    /** The entries after the snapshot found at open, in offset order. Returns them once, then an empty list. */
    public List<LogEntry> recoveredEntries() {
        List<LogEntry> out = recovered;
        recovered = List.of();
        return out;
    }

    /** The offset the next appended record gets. */
    public long nextOffset() {
        return nextOffset;
    }

    /** The offset below which every record is durable. */
    public long flushedOffset() {
        return flushedOffset;
    }

    /** The epoch of the last entry (or of the snapshot), -1 for an empty log. */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** Bytes appended since this log was opened. */
    public long appendedBytes() {
        return appendedBytes;
    }

    public Path directory() {
        return dir;
    }

    /**
     * Writes {@code records} as one entry at {@link #nextOffset()} and returns its base offset. The
     * entry is durable only after {@link #flush()}. An entry larger than the configured maximum is
     * refused with {@code INVALID_REQUEST} before anything is written.
     */
    public long append(int epoch, List<Message> records) throws IOException {
        if (epoch < lastEpoch) {
            throw new IllegalArgumentException("Epoch " + epoch + " is older than the log's " + lastEpoch);
        }
        ByteWriter entry = EntryFormat.encode(nextOffset, epoch, clock.milliseconds(), records);
        if (entry.size() > options.maxEntryBytes()) {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "The change needs " + entry.size()
                + " bytes of metadata, more than the limit of " + options.maxEntryBytes());
        }
        if (activeSize > 0 && activeSize + entry.size() > options.segmentBytes()) {
            roll();
        }
        ByteBuffer buf = entry.buffer();
        while (buf.hasRemaining()) {
            active.write(buf);
        }
        activeSize += entry.size();
        appendedBytes += entry.size();
        long base = nextOffset;
        nextOffset += records.size();
        lastEpoch = epoch;
        return base;
    }

    /** Makes every appended entry durable (fsync). */
    public void flush() throws IOException {
        if (flushedOffset < nextOffset) {
            active.force(false);
            flushedOffset = nextOffset;
        }
    }

    /**
     * Writes a snapshot of the state up to {@code endOffset} (which must be flushed), starts a new
     * segment, and deletes snapshots beyond the retained count and the segments that only hold
     * entries before the oldest retained snapshot.
     */
    public Path writeSnapshot(long endOffset, int epoch, List<Message> records) throws IOException {
        if (endOffset > flushedOffset) {
            throw new IllegalArgumentException("Snapshot end " + endOffset + " is beyond the flushed offset "
                + flushedOffset);
        }
        Path path = SnapshotFile.write(dir, endOffset, epoch, clock.milliseconds(), records);
        if (activeSize > 0) {
            roll();
        }
        List<Path> snapshots = snapshotFiles(dir);
        for (int i = options.snapshotsRetained(); i < snapshots.size(); i++) {
            Files.deleteIfExists(snapshots.get(i));
        }
        long oldestKept = SnapshotFile.endOffsetOf(snapshots.get(Math.min(options.snapshotsRetained(),
            snapshots.size()) - 1));
        int deleted = 0;
        while (segments.size() > 1) {
            Long secondBase = segments.higherKey(segments.firstKey());
            if (secondBase > oldestKept) {
                break;
            }
            Files.deleteIfExists(segments.pollFirstEntry().getValue());
            deleted++;
        }
        log.info("{}Wrote snapshot {} with {} record(s); deleted {} old segment(s)", prefix, path.getFileName(),
            records.size(), deleted);
        return path;
    }

    private void roll() throws IOException {
        active.force(false);
        active.close();
        openNewSegment(nextOffset);
    }

    private void openNewSegment(long baseOffset) throws IOException {
        Path path = dir.resolve(String.format("%020d%s", baseOffset, SEGMENT_SUFFIX));
        active = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        activeSize = 0;
        segments.put(baseOffset, path);
        fsyncDirectory(dir);
    }

    /** The segment files, by base offset. */
    public List<Path> segmentFiles() {
        return List.copyOf(segments.values());
    }

    /** The snapshot files in {@code dir}, newest (highest end offset) first. */
    public static List<Path> snapshotFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : list(dir)) {
            if (SnapshotFile.endOffsetOf(p) >= 0) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparingLong(SnapshotFile::endOffsetOf).reversed());
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private SamsaException storageError(String message) {
        log.error("{}{}", prefix, message);
        return new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, message);
    }

    @Override
    public void close() throws IOException {
        if (active != null && active.isOpen()) {
            active.force(false);
            active.close();
        }
    }
}
