package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.common.Disk;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.log.AppendResult;
import io.samsa.log.EpochEndOffset;
import io.samsa.log.FileSlice;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.log.ReadResult;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * {@link RaftLog} over the log module: the records live in an {@link Log} of its own {@link LogManager} (in
 * {@code <dataDir>/__cluster_metadata-0}, so that the brokers' log manager never sees it), configured for a
 * metadata log: every append asks for a force ({@code flush.messages=1}: its future completes after the
 * flusher's group commit), no time or size retention (only {@link #trimToSnapshots} deletes segments, through
 * {@code retention.bytes=0} and the snapshot's end as the bound), no timestamp checks. Snapshots and the
 * election state ({@code quorum-state}) are files beside the segments. Every file operation goes through the
 * {@link Disk} it was opened with (testkit's simulated disk in simulations).
 *
 * <p>Not thread-safe: the replica's executor calls it.
 */
final class SegmentedRaftLog implements RaftLog {
    private static final Logger log = LoggerFactory.getLogger(SegmentedRaftLog.class);
    static final String TOPIC = "__cluster_metadata";
    static final String ELECTION_STATE_FILE = "quorum-state";

    private final Path dir;
    private final Disk disk;
    private final RaftLogConfig config;
    private final LogManager logs;
    private final Log records;
    private final String prefix;
    private ElectionState electionState;

    private SegmentedRaftLog(Path dir, Disk disk, RaftLogConfig config, LogManager logs, Log records,
                             ElectionState state) {
        this.dir = dir;
        this.disk = disk;
        this.config = config;
        this.logs = logs;
        this.records = records;
        this.electionState = state;
        this.prefix = "[raft-log " + dir + "] ";
    }

    /**
     * Opens the log in {@code <dataDir>/__cluster_metadata-0} on {@code disk}; the log module's flusher runs on
     * {@code flusherForcing} and {@code flusherTimer}, or on a thread of its own when they are null.
     */
    static SegmentedRaftLog open(Path dataDir, RaftLogConfig config, Clock clock, Scheduler scheduler, Disk disk,
                                 Executor flusherForcing, SerialExecutor flusherTimer) throws IOException {
        Path dir = dataDir.resolve(DIR_NAME);
        LegacyFormat.refuseIfPresent(disk, dir);
        if (disk.isDirectory(dir)) {
            for (Path p : disk.list(dir)) {
                if (p.getFileName().toString().endsWith(SnapshotId.PARTIAL_SUFFIX)) {
                    disk.deleteIfExists(p);
                }
            }
        }
        LogConfig logConfig = logConfig(config);
        IoSupplier<LogManager> manager = () -> {
            LogManager.Builder b = LogManager.builder(dataDir).disk(disk).clock(clock).scheduler(scheduler)
                .configs(t -> logConfig).flusherPollMs(config.flusherPollMs());
            if (flusherForcing != null) {
                b.flusherExecutors(flusherForcing, flusherTimer);
            } else {
                b.flusherThreads(1);
            }
            return b.build();
        };
        LogManager logs = manager.get();
        try {
            if (!logs.startedClean() && logs.get(TOPIC, 0) != null) {
                // Recovery kept what it found on disk, but what lay past the recovery point may not have been
                // forced: close (which forces it) and open again before any of it counts as committed.
                logs.close();
                logs = manager.get();
            }
            Log records = logs.getOrCreate(TOPIC, 0, logConfig);
            ElectionState state = readElectionState(disk, dir.resolve(ELECTION_STATE_FILE));
            return new SegmentedRaftLog(dir, disk, config, logs, records, state);
        } catch (IOException | RuntimeException e) {
            logs.close();
            throw e;
        }
    }

    /** Opens something, or fails with an {@link IOException}. */
    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    static LogConfig logConfig(RaftLogConfig config) {
        return LogConfig.fromMap(Map.of(
            LogConfig.SEGMENT_BYTES, Integer.toString(config.segmentBytes()),
            LogConfig.MAX_MESSAGE_BYTES, Integer.toString(config.maxBatchBytes()),
            LogConfig.FLUSH_MESSAGES, "1",
            LogConfig.RETENTION_MS, "-1",
            LogConfig.RETENTION_BYTES, "0",
            LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.toString(Long.MAX_VALUE),
            LogConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, Long.toString(Long.MAX_VALUE),
            LogConfig.FILE_DELETE_DELAY_MS, "0"));
    }

    @Override
    public long startOffset() {
        return records.logStartOffset();
    }

    @Override
    public long endOffset() {
        return records.logEndOffset();
    }

    @Override
    public int lastEpoch() {
        return records.latestEpoch();
    }

    @Override
    public Appended appendAsLeader(ByteBuf batches, int epoch) {
        if (epoch < records.latestEpoch()) {
            throw new IllegalArgumentException("Epoch " + epoch + " is older than the log's " + records.latestEpoch());
        }
        return appended(records.appendAsLeader(batches, epoch));
    }

    @Override
    public Appended appendAsFollower(ByteBuf batches) {
        return appended(records.appendAsFollower(batches));
    }

    private static Appended appended(AppendResult r) {
        return new Appended(r.firstOffset(), r.lastOffset(), r.durable());
    }

    @Override
    public ByteBuf read(long startOffset, long maxOffset, int maxBytes) {
        ReadResult r = records.read(startOffset, maxBytes, maxOffset, true);
        try {
            FileSlice slice = r.records();
            if (slice.isEmpty()) {
                return Unpooled.EMPTY_BUFFER;
            }
            ByteBuf buf = Unpooled.buffer(slice.length());
            try {
                long position = slice.position();
                while (buf.writerIndex() < slice.length()) {
                    int n = buf.writeBytes(slice.channel(), position, slice.length() - buf.writerIndex());
                    if (n < 0) {
                        throw new IOException("Unexpected end of " + dir + " at position " + position);
                    }
                    position += n;
                }
                return buf;
            } catch (IOException | RuntimeException e) {
                buf.release();
                throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR,
                    "Cannot read " + dir + " at offset " + startOffset, e);
            }
        } finally {
            r.release();
        }
    }

    @Override
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return records.endOffsetForEpoch(epoch);
    }

    @Override
    public int epochForOffset(long offset) {
        return records.epochForOffset(offset);
    }

    /**
     * Truncates, and makes the removal of whole segments durable at once: the log module renames them for deletion
     * without forcing the directory, so after a crash they could come back behind the entries appended in their
     * place and make a log of two leaders' epochs that no leader wrote.
     */
    @Override
    public void truncateTo(long offset) {
        int segments = records.segmentCount();
        records.truncateTo(offset);
        if (records.segmentCount() != segments) {
            forceDirectory();
        }
    }

    @Override
    public void truncateFullyAndStartAt(long offset) {
        records.truncateFullyAndStartAt(offset);
        forceDirectory();
    }

    private void forceDirectory() {
        try {
            disk.forceDirectory(dir);
        } catch (IOException e) {
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Cannot force " + dir, e);
        }
    }

    @Override
    public List<SnapshotId> snapshots() throws IOException {
        List<SnapshotId> out = new ArrayList<>();
        for (Path p : disk.list(dir)) {
            SnapshotId id = SnapshotId.parse(p.getFileName().toString());
            if (id != null) {
                out.add(id);
            }
        }
        out.sort(Comparator.comparingLong(SnapshotId::endOffset).thenComparingInt(SnapshotId::epoch).reversed());
        return out;
    }

    @Override
    public ByteBuf readSnapshot(SnapshotId id) throws IOException {
        return Unpooled.wrappedBuffer(disk.readAllBytes(dir.resolve(id.fileName())));
    }

    @Override
    public void writeSnapshot(SnapshotId id, ByteBuf contents) throws IOException {
        Path target = dir.resolve(id.fileName());
        Path partial = dir.resolve(id.fileName().replace(SnapshotId.SUFFIX, SnapshotId.PARTIAL_SUFFIX));
        writeDurably(partial, target, contents.nioBuffer());
    }

    @Override
    public int trimToSnapshots() throws IOException {
        List<SnapshotId> snapshots = snapshots();
        if (snapshots.isEmpty()) {
            return 0;
        }
        int kept = Math.min(config.snapshotsRetained(), snapshots.size());
        for (SnapshotId old : snapshots.subList(kept, snapshots.size())) {
            disk.deleteIfExists(dir.resolve(old.fileName()));
        }
        if (kept < snapshots.size()) {
            disk.forceDirectory(dir);
        }
        // retention.bytes=0: every segment that ends at or below the bound goes (the active one is rolled
        // first when it does too).
        return records.deleteOldSegments(snapshots.get(kept - 1).endOffset());
    }

    /** How many snapshots {@link #trimToSnapshots} keeps. */
    int snapshotsRetained() {
        return config.snapshotsRetained();
    }

    /** The segment files' base offsets (tests). */
    List<Long> segmentBaseOffsets() {
        return records.segmentBaseOffsets();
    }

    Path dir() {
        return dir;
    }

    @Override
    public ElectionState electionState() {
        return electionState;
    }

    @Override
    public void writeElectionState(ElectionState state) throws IOException {
        String text = "0\n" + state.epoch() + " " + state.leaderId() + " " + state.votedId() + "\n";
        Path target = dir.resolve(ELECTION_STATE_FILE);
        writeDurably(target.resolveSibling(ELECTION_STATE_FILE + ".tmp"), target,
            ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        electionState = state;
    }

    /** version 0, then "epoch leaderId votedId". */
    private static ElectionState readElectionState(Disk disk, Path file) throws IOException {
        if (!disk.exists(file)) {
            return ElectionState.NONE;
        }
        String[] lines = new String(disk.readAllBytes(file), StandardCharsets.US_ASCII).split("\n");
        try {
            String[] f = lines.length == 2 && lines[0].equals("0") ? lines[1].trim().split(" ") : new String[0];
            if (f.length != 3) {
                throw new NumberFormatException("expected version 0 and three numbers");
            }
            return new ElectionState(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        } catch (NumberFormatException e) {
            throw new IOException("Corrupt election state in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code temp}, forces it, renames it to {@code target} atomically and forces the directory. */
    private void writeDurably(Path temp, Path target, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = disk.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            disk.force(ch);
        }
        disk.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        disk.forceDirectory(target.getParent());
    }

    @Override
    public void close() throws IOException {
        log.debug("{}Closing", prefix);
        logs.close();
    }
}
