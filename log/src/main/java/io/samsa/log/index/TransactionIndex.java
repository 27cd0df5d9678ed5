package io.samsa.log.index;

import io.samsa.common.Disk;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.FileForcer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The aborted-transaction index of one segment ({@code .txnindex}), created on the first abort. Entries are
 * appended in marker order.
 *
 * <pre>
 *  entry (34 bytes, big-endian)
 *  0   2  version           0
 *  2   8  producerId
 *  10  8  firstOffset       first offset of the transaction's data
 *  18  8  lastOffset        offset of the abort marker
 *  26  8  lastStableOffset  last stable offset when the marker was written
 * </pre>
 *
 * <p>Aborts are rare, so the index holds no open file: each append opens, writes and closes, and reads go
 * through the file (all through the segment's {@link Disk}). The flusher forces it with the segment's data
 * ({@link #force}): recovery trusts the entries of the segments it does not rescan. Appends and truncation run on the
 * writer thread; {@link #collect} on any thread; {@link #force} on the flusher.
 */
public final class TransactionIndex {
    public static final int ENTRY_SIZE = 34;

    private final Disk disk;
    private volatile Path file;
    /** Changed since the last force; set after a change, cleared before a force, so no change is missed. */
    private volatile boolean dirty;

    public TransactionIndex(Path file) {
        this(Disk.SYSTEM, file);
    }

    public TransactionIndex(Disk disk, Path file) {
        this.disk = disk;
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * Appends one entry (no fsync: {@link #force} does, with the segment). Returns true when this created the file,
     * whose name then needs a directory force.
     */
    public boolean append(AbortedTransaction txn) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_SIZE);
        buf.putShort((short) 0).putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastOffset())
                .putLong(txn.lastStableOffset()).flip();
        boolean created = !disk.exists(file);
        try (FileChannel ch = disk.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        dirty = true;
        return created;
    }

    /** Forces the entries written since the last force, if any. The flusher, with the segment's data. */
    public void force(FileForcer forcer) throws IOException {
        if (!dirty) {
            return;
        }
        dirty = false;
        Path f = file;
        if (!disk.exists(f)) {
            return;
        }
        try (FileChannel ch = disk.open(f, StandardOpenOption.WRITE)) {
            forcer.force(ch, f);
        }
    }

    /**
     * Adds to {@code out} every entry whose transaction overlaps [fetchOffset, upperBound): its marker at or
     * after {@code fetchOffset} and its first offset below {@code upperBound}. Whole entries only; a torn
     * tail is ignored.
     */
    public void collect(long fetchOffset, long upperBound, List<AbortedTransaction> out) throws IOException {
        Path f = file;
        if (!disk.exists(f)) {
            return;
        }
        ByteBuffer all = ByteBuffer.wrap(disk.readAllBytes(f));
        while (all.remaining() >= ENTRY_SIZE) {
            all.getShort();
            long pid = all.getLong();
            long first = all.getLong();
            long last = all.getLong();
            long lso = all.getLong();
            if (last >= fetchOffset && first < upperBound) {
                out.add(new AbortedTransaction(pid, first, last, lso));
            }
        }
    }

    /** Removes entries whose marker is at or above {@code offset}. Writer thread. */
    public void truncateTo(long offset) throws IOException {
        Path f = file;
        if (!disk.exists(f)) {
            return;
        }
        byte[] bytes = disk.readAllBytes(f);
        ByteBuffer all = ByteBuffer.wrap(bytes);
        int keep = 0;
        while (all.remaining() >= ENTRY_SIZE) {
            int at = all.position();
            all.position(at + 18);
            long last = all.getLong();
            all.position(at + ENTRY_SIZE);
            if (last >= offset) {
                break;
            }
            keep = at + ENTRY_SIZE;
        }
        if (keep != bytes.length) {
            try (FileChannel ch = disk.open(f, StandardOpenOption.WRITE)) {
                ch.truncate(keep);
            }
            dirty = true;
        }
    }

    public void renameTo(Path target) throws IOException {
        if (disk.exists(file)) {
            disk.move(file, target);
        }
        file = target;
    }

    public void deleteIfExists() throws IOException {
        disk.deleteIfExists(file);
    }
}
