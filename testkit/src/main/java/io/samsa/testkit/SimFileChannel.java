package io.samsa.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * An open file of a {@link SimDisk}: a real {@link FileChannel} subclass, so code written against the JDK's
 * channels (positional reads and writes, {@code size}, {@code truncate}, {@code force}, {@code transferTo}) runs on it
 * unchanged. It holds the inode, not the name: it keeps working after a rename or an unlink, as on Linux. Every call
 * made after the disk crashed throws {@link SimulatedCrash}. {@link #map} is not supported: mappings come from
 * {@link SimDisk#map}.
 *
 * <p>Thread-safe (the disk's monitor).
 */
final class SimFileChannel extends FileChannel {
    private final SimDisk disk;
    private final SimFile file;
    private final Path path;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final int generation;
    private long position;

    SimFileChannel(SimDisk disk, SimFile file, Path path, boolean readable, boolean writable, boolean append,
                   int generation) {
        this.disk = disk;
        this.file = file;
        this.path = path;
        this.readable = readable;
        this.writable = writable;
        this.append = append;
        this.generation = generation;
    }

    SimDisk disk() {
        return disk;
    }

    SimFile file() {
        return file;
    }

    Path path() {
        return path;
    }

    int generation() {
        return generation;
    }

    private void checkOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private void checkReadable() throws ClosedChannelException {
        checkOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
    }

    private void checkWritable() throws ClosedChannelException {
        checkOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        synchronized (disk) {
            checkReadable();
            int n = disk.read(this, dst, position);
            if (n > 0) {
                position += n;
            }
            return n;
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        synchronized (disk) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = read(dsts[i]);
                if (n < 0) {
                    return total == 0 ? -1 : total;
                }
                total += n;
                if (dsts[i].hasRemaining()) {
                    break;
                }
            }
            return total;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        synchronized (disk) {
            checkWritable();
            long at = append ? disk.size(this) : position;
            int n = disk.write(this, src, at);
            position = at + n;
            return n;
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        synchronized (disk) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += write(srcs[i]);
            }
            return total;
        }
    }

    @Override
    public long position() throws IOException {
        synchronized (disk) {
            checkOpen();
            return position;
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("Negative position " + newPosition);
        }
        synchronized (disk) {
            checkOpen();
            position = newPosition;
            return this;
        }
    }

    @Override
    public long size() throws IOException {
        synchronized (disk) {
            checkOpen();
            return disk.size(this);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("Negative size " + size);
        }
        synchronized (disk) {
            checkWritable();
            if (size < disk.size(this)) {
                disk.setLength(this, size);
            }
            if (position > size) {
                position = size;
            }
            return this;
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        synchronized (disk) {
            checkOpen();
            disk.forceFile(this);
        }
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        ByteBuffer buf;
        synchronized (disk) {
            checkReadable();
            long size = disk.size(this);
            if (position >= size) {
                return 0;
            }
            buf = ByteBuffer.allocate((int) Math.min(count, Math.min(size - position, 1 << 20)));
            disk.read(this, buf, position);
        }
        buf.flip();
        return target.write(buf);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
        int n = src.read(buf);
        if (n <= 0) {
            return 0;
        }
        buf.flip();
        synchronized (disk) {
            checkWritable();
            return disk.write(this, buf, position);
        }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("Negative position " + position);
        }
        synchronized (disk) {
            checkReadable();
            return disk.read(this, dst, position);
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (position < 0) {
            throw new IllegalArgumentException("Negative position " + position);
        }
        synchronized (disk) {
            checkWritable();
            return disk.write(this, src, position);
        }
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException("A simulated file is mapped through Disk.map, not the channel");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException("Simulated files have no locks");
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException("Simulated files have no locks");
    }

    @Override
    protected void implCloseChannel() {
        // Nothing to release; closing a channel of a crashed disk is allowed and does nothing.
        disk.channelClosed(path);
    }

    @Override
    public String toString() {
        return "SimFileChannel(" + path + ")";
    }
}
