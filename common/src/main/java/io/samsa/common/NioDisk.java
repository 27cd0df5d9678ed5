package io.samsa.common;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Disk#SYSTEM}: the real file system through {@code java.nio}. Stateless and thread-safe.
 *
 * <p>Unmapping uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported) through reflection, so that
 * closing a cold segment frees its index mappings at once; if that is unavailable the mapping is left to the
 * garbage collector.
 */
final class NioDisk implements Disk {
    static final NioDisk INSTANCE = new NioDisk();

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe;
        Method cleaner;
        try {
            Class<?> cls = Class.forName("sun.misc.Unsafe");
            Field f = cls.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = cls.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private NioDisk() {
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, options);
    }

    @Override
    public ByteBuffer map(Path file, FileChannel.MapMode mode, long length) throws IOException {
        if (mode == FileChannel.MapMode.READ_ONLY) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                return ch.map(FileChannel.MapMode.READ_ONLY, 0, length);
            }
        }
        // RandomAccessFile.setLength extends sparsely (ftruncate); FileChannel can only cut.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (raf.length() != length) {
                raf.setLength(length);
            }
            return raf.getChannel().map(mode, 0, length);
        }
    }

    @Override
    public void force(ByteBuffer mapping) {
        ((MappedByteBuffer) mapping).force();
    }

    @Override
    public void unmap(ByteBuffer mapping) {
        if (mapping == null || !mapping.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, mapping);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Left to the garbage collector.
        }
    }

    @Override
    public void force(FileChannel channel) throws IOException {
        channel.force(false);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Files.move(source, target, options);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return Files.deleteIfExists(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public long size(Path file) throws IOException {
        return Files.size(file);
    }

    @Override
    public long lastModifiedMillis(Path file) throws IOException {
        return Files.getLastModifiedTime(file).toMillis();
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public byte[] readAllBytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    @Override
    public String toString() {
        return "Disk.SYSTEM";
    }
}
