package io.samsa.log.cleaner;

import io.samsa.common.Disk;
import io.samsa.log.FileForcer;
import io.samsa.log.recovery.CheckpointFile;
import io.samsa.log.segment.LogSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * How a group of old segments is replaced by the cleaned segment atomically, across crashes: either every old segment
 * survives and the cleaned files vanish, or the cleaned segment takes the group's place whole; never a mix, never a
 * gap.
 *
 * <ol>
 *   <li>The cleaner writes the cleaned segment as {@code BASE.log.cleaned} (and {@code .index.cleaned},
 *       {@code .timeindex.cleaned}, {@code .txnindex.cleaned} when it has aborted transactions), forces them, and
 *       writes {@code cleaner-swap.prepared} (forced, like a checkpoint): the new base offset, which of the four files
 *       exist, and the base offsets of the old segments.</li>
 *   <li>On the partition's writer thread, {@link #commit} renames it to {@code cleaner-swap}: the commit point. The
 *       writer then renames the cleaned files over the first old segment's names ({@link #moveIntoPlace}), renames the
 *       other old segments to {@code .deleted} and deletes the manifest ({@link #finish}). No fsync on the writer: the
 *       file system keeps name operations in order (ext4's journal; testkit's simulated disk models it), so whatever
 *       prefix of them a crash keeps, the manifest is there whenever the swap is half done.</li>
 *   <li>At load, {@link #recover} finishes a committed swap (it is idempotent: a cleaned file already in place is
 *       kept, an old file still there is deleted) and deletes the leftovers of uncommitted ones.</li>
 * </ol>
 *
 * <p>A log cleans one group at a time, so a directory holds at most one manifest. Not thread-safe: prepared on the
 * cleaner thread, committed and finished on the writer thread that the cleaner hands it to.
 */
public final class SwapManifest {
    private static final Logger log = LoggerFactory.getLogger(SwapManifest.class);

    public static final String FILE = "cleaner-swap";
    static final String PREPARED = FILE + ".prepared";
    public static final String CLEANED_SUFFIX = ".cleaned";
    /** The segment files, in the order of the manifest's presence bits. */
    static final String[] SUFFIXES = {LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX,
        LogSegment.TXN_INDEX_SUFFIX};

    private final Disk disk;
    private final Path dir;
    private final long newBase;
    private final int present;
    private final long[] oldBases;
    private final int size;
    private final long maxTimestamp;
    private final long offsetOfMaxTimestamp;

    private SwapManifest(Disk disk, Path dir, long newBase, int present, long[] oldBases, int size, long maxTimestamp,
                         long offsetOfMaxTimestamp) {
        this.disk = disk;
        this.dir = dir;
        this.newBase = newBase;
        this.present = present;
        this.oldBases = oldBases.clone();
        this.size = size;
        this.maxTimestamp = maxTimestamp;
        this.offsetOfMaxTimestamp = offsetOfMaxTimestamp;
    }

    /** {@code dir/BASE<suffix>.cleaned}. */
    static Path cleanedFile(Path dir, long base, String suffix) {
        Path f = LogSegment.file(dir, base, suffix);
        return f.resolveSibling(f.getFileName() + CLEANED_SUFFIX);
    }

    /**
     * Writes and forces {@code cleaner-swap.prepared} for replacing the segments at {@code oldBases} (ascending; the
     * first is {@code newBase}) by the cleaned files of {@code newBase} whose suffixes have their bit in
     * {@code present} (bit i for {@link #SUFFIXES}[i]). The cleaned segment's size and largest timestamp (and the
     * base offset of the batch holding it) go with the swap, not in the file: the writer builds the new segment
     * from them without opening it. Cleaner thread, after forcing the cleaned files.
     */
    static SwapManifest prepare(Disk disk, Path dir, CleanedSegment cleaned, int present, long[] oldBases,
                                FileForcer forcer) throws IOException {
        long newBase = cleaned.base();
        if (oldBases.length == 0 || oldBases[0] != newBase || (present & 1) == 0) {
            throw new IllegalArgumentException("A swap replaces segments starting at its own base, with a .log");
        }
        List<long[]> rows = new ArrayList<>();
        rows.add(new long[] {newBase, present});
        for (long b : oldBases) {
            rows.add(new long[] {b, 0});
        }
        CheckpointFile.write(disk, dir.resolve(PREPARED), rows, forcer);
        return new SwapManifest(disk, dir, newBase, present, oldBases, (int) cleaned.size(), cleaned.maxTimestamp(),
                cleaned.offsetOfMaxTimestamp());
    }

    public long newBase() {
        return newBase;
    }

    /** The cleaned segment's size in bytes. */
    public int size() {
        return size;
    }

    /** The cleaned segment's largest timestamp, or -1. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** The base offset of the batch holding {@link #maxTimestamp()}, or -1. */
    public long offsetOfMaxTimestamp() {
        return offsetOfMaxTimestamp;
    }

    /** The base offsets of the segments replaced, ascending. */
    public long[] oldBases() {
        return oldBases.clone();
    }

    /** The commit point: renames the prepared manifest to {@code cleaner-swap}. Writer thread. */
    public void commit() throws IOException {
        disk.move(dir.resolve(PREPARED), dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Puts the cleaned files under the first old segment's names (replacing its files, which stay readable through
     * handles already open) and deletes that segment's files the cleaned segment lacks. Writer thread, after
     * {@link #commit}.
     */
    public void moveIntoPlace() throws IOException {
        apply(disk, dir, newBase, present, new long[] {newBase});
    }

    /** Deletes the manifest: the swap is complete. Writer thread, once the other old segments' names are gone. */
    public void finish() throws IOException {
        disk.deleteIfExists(dir.resolve(FILE));
    }

    /**
     * The idempotent core of a swap and of its recovery: for the segment at {@code newBase}, each present file whose
     * cleaned version still exists is replaced by it and each absent one deleted; every other listed segment's files
     * are deleted.
     */
    private static void apply(Disk disk, Path dir, long newBase, int present, long[] bases) throws IOException {
        for (long base : bases) {
            for (int i = 0; i < SUFFIXES.length; i++) {
                Path f = LogSegment.file(dir, base, SUFFIXES[i]);
                if (base == newBase && (present & (1 << i)) != 0) {
                    Path cleaned = cleanedFile(dir, base, SUFFIXES[i]);
                    if (disk.exists(cleaned)) {
                        disk.move(cleaned, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                } else {
                    disk.deleteIfExists(f);
                }
            }
        }
    }

    /**
     * At load, before the segments are listed: finishes a swap whose manifest was committed, then deletes every
     * uncommitted leftover (a prepared manifest, {@code .cleaned} files). Returns true when a swap was finished.
     *
     * @throws IOException when a committed manifest cannot be read (it is forced before it is committed, so this means
     *                     the directory is damaged: the log must not load as if nothing happened)
     */
    public static boolean recover(Disk disk, Path dir, FileForcer forcer) throws IOException {
        boolean finished = false;
        Path manifest = dir.resolve(FILE);
        if (disk.exists(manifest)) {
            List<long[]> rows = CheckpointFile.read(disk, manifest, 2);
            if (rows == null || rows.size() < 2) {
                throw new IOException("The committed cleaner swap manifest " + manifest + " is unreadable");
            }
            long newBase = rows.get(0)[0];
            int present = (int) rows.get(0)[1];
            long[] bases = new long[rows.size() - 1];
            for (int i = 1; i < rows.size(); i++) {
                bases[i - 1] = rows.get(i)[0];
            }
            apply(disk, dir, newBase, present, bases);
            forcer.forceDirectory(dir);
            disk.deleteIfExists(manifest);
            log.info("Finished the interrupted cleaner swap of {} segments into {} in {}", bases.length, newBase, dir);
            finished = true;
        }
        boolean removed = disk.deleteIfExists(dir.resolve(PREPARED));
        for (Path p : disk.list(dir)) {
            if (p.getFileName().toString().endsWith(CLEANED_SUFFIX)) {
                disk.deleteIfExists(p);
                removed = true;
            }
        }
        if (finished || removed) {
            forcer.forceDirectory(dir);
        }
        return finished;
    }

    /** Deletes a prepared manifest and the cleaned files of an abandoned swap. Cleaner thread; never throws. */
    static void discard(Disk disk, Path dir, long newBase) {
        try {
            disk.deleteIfExists(dir.resolve(PREPARED));
            for (String suffix : SUFFIXES) {
                disk.deleteIfExists(cleanedFile(dir, newBase, suffix));
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Could not delete the abandoned cleaned files of {} in {}: {}", newBase, dir, e.toString());
        }
    }
}
