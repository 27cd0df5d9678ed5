package io.samsa.log.index;

import io.samsa.common.Disk;
import io.samsa.log.AbortedTransaction;
import io.samsa.log.FileForcer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
 * <p>Aborts are rare, so the index holds no open file: each append opens, writes and closes (through the segment's
 * {@link Disk}). Reads never touch the file: the entries are kept in memory too (read once, when the segment is
 * opened by {@link #load}, or on the first read), so that a READ_COMMITTED fetch on an event loop does no file I/O.
 * The flusher forces the file with the segment's data ({@link #force}): recovery trusts the entries of the segments
 * it does not rescan. Appends, truncation and loading run on the writer thread (loading also at start-up);
 * {@link #collect} on any thread; {@link #force} on the flusher.
 */
public final class TransactionIndex {
    public static final int ENTRY_SIZE = 34;

    private final Disk disk;
    private volatile Path file;
    /** Changed since the last force; set after a change, cleared before a force, so no change is missed. */
    private volatile boolean dirty;
    /** The entries, as on disk (whole ones); null until loaded. Replaced, never changed, by the writer. */
    private volatile List<AbortedTransaction> entries;

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
        List<AbortedTransaction> before = loaded();
        boolean created = !disk.exists(file);
        try (FileChannel ch = disk.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        List<AbortedTransaction> after = new ArrayList<>(before.size() + 1);
        after.addAll(before);
        after.add(txn);
        entries = List.copyOf(after);
        dirty = true;
        return created;
    }

    /** Reads the entries into memory, once (the segment is opened: start-up, not an event loop). */
    public void load() throws IOException {
        loaded();
    }

    /** The index is new and empty (its file was just deleted). */
    public void loadEmpty() {
        entries = List.of();
    }

    private List<AbortedTransaction> loaded() throws IOException {
        List<AbortedTransaction> e = entries;
        if (e == null) {
            e = readFile();
            entries = e;
        }
        return e;
    }

    private List<AbortedTransaction> readFile() throws IOException {
        Path f = file;
        if (!disk.exists(f)) {
            return List.of();
        }
        ByteBuffer all = ByteBuffer.wrap(disk.readAllBytes(f));
        List<AbortedTransaction> out = new ArrayList<>();
        while (all.remaining() >= ENTRY_SIZE) {
            all.getShort();
            long pid = all.getLong();
            long first = all.getLong();
            long last = all.getLong();
            long lso = all.getLong();
            out.add(new AbortedTransaction(pid, first, last, lso));
        }
        return List.copyOf(out);
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
     * tail is ignored. Returns true when an entry's last stable offset (as its marker left it) is at or above
     * {@code upperBound}: every transaction whose marker comes later was open then, or began after, so it starts at
     * or above {@code upperBound} and no later segment's index holds an overlapping one (Kafka's
     * {@code TxnIndexSearchResult.isComplete}).
     */
    public boolean collect(long fetchOffset, long upperBound, List<AbortedTransaction> out) throws IOException {
        boolean complete = false;
        for (AbortedTransaction t : loaded()) {
            if (t.lastOffset() >= fetchOffset && t.firstOffset() < upperBound) {
                out.add(t);
            }
            complete |= t.lastStableOffset() >= upperBound;
        }
        return complete;
    }

    /** Removes entries whose marker is at or above {@code offset}. Writer thread. */
    public void truncateTo(long offset) throws IOException {
        Path f = file;
        if (!disk.exists(f)) {
            entries = List.of();
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
        entries = readFile();
    }

    /** Renames the file to {@code target}, replacing a file there (an earlier segment's, waiting for deletion). */
    public void renameTo(Path target) throws IOException {
        if (disk.exists(file)) {
            disk.move(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
        file = target;
    }

    public void deleteIfExists() throws IOException {
        disk.deleteIfExists(file);
        entries = List.of();
    }
}
