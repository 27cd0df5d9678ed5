package io.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The simulated disk: file-system semantics, and what a crash keeps (checked over many seeds). */
class SimDiskTest {
    private static final Path DIR = Path.of("/data/p-0");
    private static final int SEEDS = 300;

    private static SimDisk disk(long seed) {
        return new SimDisk(Simulation.random(seed), new ManualClock(1_000));
    }

    private static FileChannel create(SimDisk d, Path f) throws IOException {
        return d.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static void write(FileChannel ch, byte[] bytes) throws IOException {
        ch.write(ByteBuffer.wrap(bytes), ch.size());
    }

    private static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static boolean isPrefix(byte[] prefix, byte[] of) {
        return prefix.length <= of.length && Arrays.equals(prefix, 0, prefix.length, of, 0, prefix.length);
    }

    @Test
    void behavesLikeAFileSystem() throws IOException {
        SimDisk d = disk(1);
        d.createDirectories(DIR);
        assertTrue(d.isDirectory(Path.of("/data")));
        try (FileChannel ch = create(d, DIR.resolve("b.log"))) {
            ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap("!".getBytes(StandardCharsets.US_ASCII)), 7);
            assertEquals(8, ch.size());
            ByteBuffer back = ByteBuffer.allocate(8);
            assertEquals(8, ch.read(back, 0));
            assertArrayEquals("hello\0\0!".getBytes(StandardCharsets.US_ASCII), back.array());
            ch.truncate(5);
            assertEquals(5, ch.size());
            assertEquals(-1, ch.read(ByteBuffer.allocate(1), 5));
        }
        create(d, DIR.resolve("a.log")).close();
        d.createDirectories(Path.of("/data/p-0.x-delete"));
        d.createDirectories(Path.of("/data/p-00"));
        create(d, Path.of("/data/p-0.x-delete/z")).close();
        assertEquals(List.of(DIR.resolve("a.log"), DIR.resolve("b.log")), d.list(DIR),
                "sorted, and only the directory's own entries");
        assertEquals(List.of(DIR, Path.of("/data/p-0.x-delete"), Path.of("/data/p-00")), d.list(Path.of("/data")));
        assertThrows(NoSuchFileException.class, () -> d.open(DIR.resolve("missing"), StandardOpenOption.READ));
        assertThrows(FileAlreadyExistsException.class, () -> d.move(DIR.resolve("a.log"), DIR.resolve("b.log")));
        d.move(DIR.resolve("a.log"), DIR.resolve("b.log"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        assertEquals(0, d.size(DIR.resolve("b.log")));
        assertThrows(DirectoryNotEmptyException.class, () -> d.deleteIfExists(DIR));
        d.move(DIR, Path.of("/data/p-0.y-delete"));
        assertEquals(List.of(Path.of("/data/p-0.y-delete/b.log")), d.list(Path.of("/data/p-0.y-delete")));
        assertTrue(d.deleteTree(Path.of("/data/p-0.y-delete")));
        assertFalse(d.exists(DIR));
        assertTrue(d.exists(Path.of("/data/p-0.x-delete/z")));
    }

    @Test
    void mappingsAreThePageCacheOfTheirFile() throws IOException {
        SimDisk d = disk(2);
        d.createDirectories(DIR);
        Path f = DIR.resolve("0.index");
        ByteBuffer m = d.map(f, FileChannel.MapMode.READ_WRITE, 4096);
        assertEquals(4096, d.size(f));
        m.putInt(8, 42);
        try (FileChannel ch = d.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            ch.read(b, 8);
            assertEquals(42, b.getInt(0), "a mapped write is visible to readers at once");
        }
        ByteBuffer trimmed = d.map(f, FileChannel.MapMode.READ_WRITE, 12);
        assertEquals(42, trimmed.getInt(8));
        ByteBuffer ro = d.map(f, FileChannel.MapMode.READ_ONLY, 12);
        assertTrue(ro.isReadOnly());
        assertEquals(42, ro.getInt(8));
        assertThrows(IOException.class, () -> d.map(f, FileChannel.MapMode.READ_ONLY, 13));
        d.unmap(m);
        assertThrows(IllegalArgumentException.class, () -> d.force(m));
    }

    @Test
    void aCrashKeepsForcedBytesAndAPrefixOfTheRest() throws IOException {
        byte[] a = bytes(100, 1);
        byte[] b = bytes(5000, 2);
        byte[] c = bytes(70, 3);
        byte[] all = concat(a, b, c);
        Set<Integer> lengths = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimDisk d = disk(seed);
            d.createDirectories(DIR);
            d.forceDirectory(DIR);
            Path f = DIR.resolve("0.log");
            FileChannel ch = create(d, f);
            write(ch, a);
            d.force(ch);
            write(ch, b);
            write(ch, c);
            d.crash();
            assertThrows(SimulatedCrash.class, () -> ch.size(), "the channel died with the disk");
            assertThrows(SimulatedCrash.class, () -> d.exists(f));
            d.restart();
            byte[] left = d.readAllBytes(f);
            assertTrue(left.length >= a.length && isPrefix(left, all), "seed " + seed + ": " + left.length);
            lengths.add(left.length);
            assertThrows(SimulatedCrash.class, () -> ch.size(), "still dead after the restart");
        }
        assertTrue(lengths.contains(a.length), "sometimes nothing unforced is kept");
        assertTrue(lengths.contains(all.length), "sometimes everything is");
        assertTrue(lengths.stream().anyMatch(n -> n != a.length && n != a.length + b.length && n != all.length),
                "sometimes the last write is torn: " + lengths);
    }

    @Test
    void namesFollowTheJournalOrderAndForcesCommitThem() throws IOException {
        int[] outcomes = new int[4];
        for (long seed = 0; seed < SEEDS; seed++) {
            SimDisk d = disk(seed);
            d.createDirectories(DIR);
            d.forceDirectory(Path.of("/data"));
            create(d, DIR.resolve("a")).close();
            create(d, DIR.resolve("b")).close();
            d.crash();
            d.restart();
            boolean a = d.exists(DIR.resolve("a"));
            boolean b = d.exists(DIR.resolve("b"));
            assertFalse(b && !a, "seed " + seed + ": names reach the disk in order");
            outcomes[(a ? 1 : 0) + (b ? 2 : 0)]++;
        }
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0 && outcomes[3] > 0, Arrays.toString(outcomes));

        for (long seed = 0; seed < 50; seed++) {
            SimDisk d = disk(seed);
            d.createDirectories(DIR);
            FileChannel ch = create(d, DIR.resolve("forced"));
            write(ch, bytes(10, 7));
            d.force(ch);
            create(d, DIR.resolve("later")).close();
            d.crash();
            d.restart();
            assertArrayEquals(bytes(10, 7), d.readAllBytes(DIR.resolve("forced")),
                    "ext4: forcing a new file commits its name (and its directories)");
        }
        boolean lost = false;
        for (long seed = 0; seed < 50; seed++) {
            SimDisk d = disk(seed).strictNames(true);
            d.createDirectories(DIR);
            d.forceDirectory(Path.of("/data"));
            FileChannel ch = create(d, DIR.resolve("forced"));
            write(ch, bytes(10, 7));
            d.force(ch);
            d.crash();
            d.restart();
            lost |= !d.exists(DIR.resolve("forced"));
        }
        assertTrue(lost, "strict names: only a directory force commits a new name");
    }

    @Test
    void aCheckpointReplacedByRenameIsOldOrNewNeverNeitherNorAMix() throws IOException {
        byte[] old = "0\n1\n41\n".getBytes(StandardCharsets.US_ASCII);
        byte[] fresh = "0\n1\n42000\n".getBytes(StandardCharsets.US_ASCII);
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimDisk d = disk(seed);
            d.createDirectories(DIR);
            Path cp = DIR.resolve("checkpoint");
            Path tmp = DIR.resolve("checkpoint.tmp");
            FileChannel ch = create(d, cp);
            write(ch, old);
            d.force(ch);
            d.forceDirectory(DIR);
            FileChannel t = create(d, tmp);
            write(t, fresh);
            d.force(t);
            d.move(tmp, cp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            boolean dirForced = seed % 2 == 0;
            if (dirForced) {
                d.forceDirectory(DIR);
            }
            d.crash();
            d.restart();
            String left = new String(d.readAllBytes(cp), StandardCharsets.US_ASCII);
            assertTrue(left.equals(new String(old, StandardCharsets.US_ASCII))
                    || left.equals(new String(fresh, StandardCharsets.US_ASCII)), "seed " + seed + ": " + left);
            if (dirForced) {
                assertEquals(new String(fresh, StandardCharsets.US_ASCII), left);
            }
            seen.add(left);
        }
        assertEquals(2, seen.size(), "without the directory force the rename may be lost");
    }

    @Test
    void mappedWritesAreLostUnlessForcedOrWrittenBack() throws IOException {
        Set<Integer> unforced = new HashSet<>();
        for (long seed = 0; seed < SEEDS; seed++) {
            SimDisk d = disk(seed);
            d.createDirectories(DIR);
            Path f = DIR.resolve("0.index");
            ByteBuffer m = d.map(f, FileChannel.MapMode.READ_WRITE, 4096);
            m.putInt(0, 7);
            d.force(m);
            m.putInt(4, 8);
            d.crash();
            d.restart();
            ByteBuffer left = ByteBuffer.wrap(d.readAllBytes(f));
            assertEquals(4096, left.limit());
            assertEquals(7, left.getInt(0), "seed " + seed);
            unforced.add(left.getInt(4));
        }
        assertEquals(Set.of(0, 8), unforced, "lost, or written back by the kernel before the crash");
    }

    @Test
    void aCrashAtAnOperationHappensInsteadOfIt() throws IOException {
        SimDisk d = disk(5);
        int[] hooks = {0};
        d.onCrash(() -> hooks[0]++);
        d.createDirectories(DIR);
        d.forceDirectory(DIR);
        FileChannel ch = create(d, DIR.resolve("0.log"));
        write(ch, bytes(10, 1));
        d.force(ch);
        d.crashAtOperation(d.operations() + 2);
        write(ch, bytes(10, 2));
        SimulatedCrash crash = assertThrows(SimulatedCrash.class, () -> d.force(ch));
        assertTrue(crash.getMessage().contains("FORCE /data/p-0/0.log"), crash.getMessage());
        assertEquals(1, hooks[0]);
        assertEquals(SimDisk.Op.FORCE, d.lastCrash().op());
        assertTrue(d.isCrashed());
        d.restart();
        byte[] left = d.readAllBytes(DIR.resolve("0.log"));
        assertTrue(left.length >= 10 && left.length <= 20, "the force did not happen: " + left.length);
        assertFalse(d.isCrashed());
        d.crash();
        assertNull(d.lastCrash(), "a crash between operations has no operation");
        assertEquals(2, d.crashes());
    }
}
