package io.samsa.log.recovery;

import io.samsa.common.Disk;
import io.samsa.log.FileForcer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small text checkpoint file replaced atomically: write {@code name.tmp}, fsync it, rename over the old
 * file, fsync the directory. Readers therefore see the old or the new content, never a mix.
 *
 * <pre>
 *  line 1   version (0)
 *  line 2   number of entries
 *  line 3+  one entry per line, space-separated numbers
 * </pre>
 *
 * <p>Stateless; callers serialise writes to one file (the flusher writes all of a log's checkpoints). Files are
 * written, renamed and read through a {@link Disk} ({@link Disk#SYSTEM} for the overloads without one).
 */
public final class CheckpointFile {
    private CheckpointFile() {
    }

    /** Atomically replaces {@code file} with the given entries (each a row of numbers). */
    public static void write(Path file, List<long[]> entries, FileForcer forcer) throws IOException {
        write(Disk.SYSTEM, file, entries, forcer);
    }

    /** Atomically replaces {@code file} on {@code disk} with the given entries (each a row of numbers). */
    public static void write(Disk disk, Path file, List<long[]> entries, FileForcer forcer) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("0\n").append(entries.size()).append('\n');
        for (long[] e : entries) {
            for (int i = 0; i < e.length; i++) {
                if (i > 0) {
                    sb.append(' ');
                }
                sb.append(e[i]);
            }
            sb.append('\n');
        }
        replace(disk, file, sb.toString().getBytes(StandardCharsets.US_ASCII), forcer);
    }

    /**
     * Atomically replaces {@code file} on {@code disk} with {@code content}: writes {@code name.tmp}, forces it,
     * renames it over the file and forces the directory.
     */
    public static void replace(Disk disk, Path file, byte[] content, FileForcer forcer) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = disk.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            forcer.force(ch, tmp);
        }
        disk.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forcer.forceDirectory(file.getParent());
    }

    /**
     * Reads the entries, each with {@code width} numbers; returns null when the file is absent or malformed
     * (the caller then falls back to the safe default, e.g. full recovery).
     */
    public static List<long[]> read(Path file, int width) {
        return read(Disk.SYSTEM, file, width);
    }

    /** As {@link #read(Path, int)}, on {@code disk}. */
    public static List<long[]> read(Disk disk, Path file, int width) {
        List<String> lines;
        try {
            lines = lines(new String(disk.readAllBytes(file), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return null;
        }
        try {
            if (lines.size() < 2 || !"0".equals(lines.get(0).trim())) {
                return null;
            }
            int n = Integer.parseInt(lines.get(1).trim());
            if (n < 0 || lines.size() < 2 + n) {
                return null;
            }
            List<long[]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String[] parts = lines.get(2 + i).trim().split(" ");
                if (parts.length != width) {
                    return null;
                }
                long[] row = new long[width];
                for (int j = 0; j < width; j++) {
                    row[j] = Long.parseLong(parts[j]);
                }
                out.add(row);
            }
            return out;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads a single-number checkpoint, or {@code dflt} when absent or malformed. */
    public static long readSingle(Path file, long dflt) {
        return readSingle(Disk.SYSTEM, file, dflt);
    }

    /** As {@link #readSingle(Path, long)}, on {@code disk}. */
    public static long readSingle(Disk disk, Path file, long dflt) {
        List<long[]> rows = read(disk, file, 1);
        return rows == null || rows.size() != 1 ? dflt : rows.get(0)[0];
    }

    /** The lines as {@code Files.readAllLines} splits them (\n, \r or \r\n; no empty last line). */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>(Arrays.asList(text.split("\\r\\n|\\r|\\n", -1)));
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }
}
