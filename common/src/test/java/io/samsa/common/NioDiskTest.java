package io.samsa.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Disk#SYSTEM} does what java.nio does, including the resizing map the indexes use. */
class NioDiskTest {
    private final Disk disk = Disk.SYSTEM;

    @TempDir
    Path dir;

    @Test
    void aWritableMappingCreatesResizesAndIsCoherentWithTheFile() throws IOException {
        Path f = dir.resolve("a.index");
        ByteBuffer m = disk.map(f, FileChannel.MapMode.READ_WRITE, 4096);
        assertTrue(m instanceof MappedByteBuffer);
        assertEquals(4096, Files.size(f));
        m.putInt(0, 42);
        disk.force(m);
        try (FileChannel ch = disk.open(f, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            ch.read(b, 0);
            assertEquals(42, b.getInt(0));
        }
        ByteBuffer bigger = disk.map(f, FileChannel.MapMode.READ_WRITE, 8192);
        assertEquals(8192, disk.size(f));
        assertEquals(42, bigger.getInt(0));
        assertEquals(0, bigger.getInt(8188), "extended with zeros");
        disk.unmap(m);
        ByteBuffer trimmed = disk.map(f, FileChannel.MapMode.READ_WRITE, 8);
        assertEquals(8, disk.size(f));
        disk.unmap(bigger);
        ByteBuffer ro = disk.map(f, FileChannel.MapMode.READ_ONLY, 8);
        assertTrue(ro.isReadOnly());
        assertEquals(42, ro.getInt(0));
        disk.unmap(trimmed);
        disk.unmap(ro);
        assertThrows(NoSuchFileException.class, () -> disk.map(dir.resolve("missing"), FileChannel.MapMode.READ_ONLY,
                0));
    }

    @Test
    void namesListMoveAndDeleteAsFilesDoes() throws IOException {
        Path sub = dir.resolve("p-0");
        disk.createDirectories(sub.resolve("x"));
        assertTrue(disk.isDirectory(sub));
        for (String n : new String[] {"b.log", "a.log", "c.tmp"}) {
            try (FileChannel ch = disk.open(sub.resolve(n), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(n.getBytes()));
                disk.force(ch);
            }
        }
        disk.forceDirectory(sub);
        assertEquals(List.of(sub.resolve("a.log"), sub.resolve("b.log"), sub.resolve("c.tmp"), sub.resolve("x")),
                disk.list(sub));
        assertArrayEquals("a.log".getBytes(), disk.readAllBytes(sub.resolve("a.log")));
        assertEquals(5, disk.size(sub.resolve("b.log")));
        assertTrue(disk.lastModifiedMillis(sub.resolve("b.log")) > 0);

        assertThrows(FileAlreadyExistsException.class, () -> disk.move(sub.resolve("c.tmp"), sub.resolve("a.log")));
        disk.move(sub.resolve("c.tmp"), sub.resolve("a.log"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        assertArrayEquals("c.tmp".getBytes(), disk.readAllBytes(sub.resolve("a.log")));
        assertFalse(disk.exists(sub.resolve("c.tmp")));

        Path moved = dir.resolve("p-0.abc-delete");
        disk.move(sub, moved);
        assertTrue(disk.exists(moved.resolve("b.log")));
        assertTrue(disk.deleteTree(moved));
        assertFalse(disk.exists(moved));
        assertFalse(disk.deleteIfExists(moved));
    }
}
