package io.samsa.raft;

import io.samsa.common.Disk;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.RecordBatchView;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Recognises a metadata log written by Samsa before its log became record batches: segments of CRC-framed
 * entries ({@code int32 length, int32 crc, int8 magic 1, int64 base offset, ...}) and snapshots that start with
 * the magic {@code "SMSP"}. Such a directory is refused at start-up, never "recovered" (recovery would cut every
 * entry as a torn tail and lose the cluster's metadata). Stateless.
 */
final class LegacyFormat {
    /** The first int of a snapshot file of the earlier format: "SMSP". */
    private static final int SNAPSHOT_MAGIC = 0x534d5350;

    private LegacyFormat() {
    }

    /** Throws {@code KAFKA_STORAGE_ERROR} saying what to do when {@code dir} holds a log of the earlier format. */
    static void refuseIfPresent(Disk disk, Path dir) throws IOException {
        if (!disk.isDirectory(dir)) {
            return;
        }
        for (Path p : disk.list(dir)) {
            String name = p.getFileName().toString();
            if (name.matches("\\d{20}\\.log") && !isRecordBatchSegment(disk, p, Long.parseLong(name.substring(0, 20)))) {
                throw refused(dir, p, "is not a segment of record batches");
            }
            if (name.endsWith(SnapshotId.SUFFIX) && startsWithInt(disk, p, SNAPSHOT_MAGIC)) {
                throw refused(dir, p, "is a snapshot in the earlier format");
            }
        }
    }

    /** A segment's first batch starts with the segment's base offset and has magic 2 (an empty file passes). */
    private static boolean isRecordBatchSegment(Disk disk, Path segment, long baseOffset) throws IOException {
        ByteBuffer head = readHead(disk, segment, RecordBatchView.MAGIC_OFFSET + 1);
        if (head.limit() <= RecordBatchView.MAGIC_OFFSET) {
            // Too short to tell: a new log's first batch torn by a crash, which recovery cuts.
            return head.limit() < 8 || head.getLong(0) == baseOffset;
        }
        return head.getLong(0) == baseOffset && head.get(RecordBatchView.MAGIC_OFFSET) == RecordBatchView.MAGIC_V2;
    }

    private static boolean startsWithInt(Disk disk, Path file, int value) throws IOException {
        ByteBuffer head = readHead(disk, file, 4);
        return head.limit() == 4 && head.getInt(0) == value;
    }

    private static ByteBuffer readHead(Disk disk, Path file, int bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        try (FileChannel ch = disk.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // keep reading
            }
        }
        buf.flip();
        return buf;
    }

    private static SamsaException refused(Path dir, Path file, String what) {
        return new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The metadata log in " + dir + " was written by an"
            + " earlier version of Samsa (" + file.getFileName() + " " + what + "), which this version cannot"
            + " read. Start the broker with an empty data directory: move the old one away or delete it.");
    }
}
