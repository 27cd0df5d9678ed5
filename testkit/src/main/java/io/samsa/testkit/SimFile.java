package io.samsa.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One file or directory of a {@link SimDisk} (an inode: names point at it, open channels and mappings hold it, so
 * it outlives a rename or an unlink). A file has two contents:
 *
 * <ul>
 *   <li>the page cache ({@link #data}, {@link #length}): what reads see, written by channel writes and, directly,
 *       through mappings;</li>
 *   <li>the disk ({@link #durable}, {@link #durableLength}): the content at the last force, plus the channel
 *       operations since then ({@link #unforced}, in order) that a crash may keep a prefix of.</li>
 * </ul>
 *
 * <p>Not thread-safe: the {@link SimDisk}'s monitor guards it.
 */
final class SimFile {
    private static final byte[] EMPTY = new byte[0];
    static final int PAGE = 4096;

    final boolean directory;
    byte[] data = EMPTY;
    int length;
    byte[] durable = EMPTY;
    int durableLength;
    /** Channel writes and length changes since the last force, in order. */
    final List<Op> unforced = new ArrayList<>();
    /**
     * Mapped writable in this life of the disk: its page cache may differ from what the operations say (mapped
     * writes), so a force copies the whole page cache.
     */
    boolean mapped;
    /** The journal sequence of this inode's last metadata change (creation, rename, length). */
    long metaSeq;
    long modifiedMillis;

    /** A write ({@code bytes} at {@code position}) or a length change ({@code bytes} null). */
    record Op(long position, byte[] bytes, long newLength) {
    }

    SimFile(boolean directory) {
        this.directory = directory;
    }

    /** A file recovered after a crash: {@code content} is both its page cache and its disk content. */
    static SimFile recovered(byte[] content) {
        SimFile f = new SimFile(false);
        f.data = content.clone();
        f.length = content.length;
        f.durable = content;
        f.durableLength = content.length;
        return f;
    }

    /** Copies {@code src} into the page cache at {@code position}, growing the file; records the write. */
    void write(long position, byte[] src) {
        int end = Math.toIntExact(position + src.length);
        ensureCapacity(end);
        if (position > length) {
            Arrays.fill(data, length, (int) position, (byte) 0);
        }
        System.arraycopy(src, 0, data, (int) position, src.length);
        length = Math.max(length, end);
        unforced.add(new Op(position, src, -1));
    }

    /** Cuts or extends (with zeros) the page cache's file; records the change. */
    void setLength(long newLength) {
        int n = Math.toIntExact(newLength);
        ensureCapacity(n);
        if (n < length) {
            Arrays.fill(data, n, length, (byte) 0);
        } else {
            Arrays.fill(data, length, n, (byte) 0);
        }
        length = n;
        unforced.add(new Op(0, null, n));
    }

    /**
     * Makes the page cache durable (fsync): applies the pending operations to the disk content, or copies the
     * whole page cache when a mapping may have written it.
     */
    void force() {
        if (mapped) {
            durable = Arrays.copyOf(data, length);
            durableLength = length;
        } else {
            for (Op op : unforced) {
                applyDurable(op, op.bytes == null ? 0 : op.bytes.length);
            }
        }
        unforced.clear();
    }

    private void applyDurable(Op op, int bytes) {
        if (op.bytes == null) {
            int n = (int) op.newLength;
            durable = grow(durable, n);
            if (n < durableLength) {
                Arrays.fill(durable, n, durableLength, (byte) 0);
            } else {
                Arrays.fill(durable, durableLength, n, (byte) 0);
            }
            durableLength = n;
            return;
        }
        int pos = (int) op.position;
        int end = pos + bytes;
        durable = grow(durable, end);
        if (pos > durableLength) {
            Arrays.fill(durable, durableLength, pos, (byte) 0);
        }
        System.arraycopy(op.bytes, 0, durable, pos, bytes);
        durableLength = Math.max(durableLength, end);
    }

    /**
     * The content a crash leaves: the disk content plus a random prefix of the operations not yet forced, the last
     * of them possibly torn (a random prefix of its bytes); sometimes the kernel had also written back some dirty
     * pages of the page cache (within the length the kept operations give), as it does at any time, mapped index
     * pages included. Mapped writes otherwise are lost.
     */
    byte[] crashImage(Random random) {
        byte[] savedDurable = durable;
        int savedLength = durableLength;
        durable = Arrays.copyOf(savedDurable, Math.max(savedDurable.length, savedLength));
        try {
            int n = unforced.size();
            int kept = n == 0 ? 0 : random.nextInt(n + 1);
            for (int i = 0; i < kept; i++) {
                Op op = unforced.get(i);
                applyDurable(op, op.bytes == null ? 0 : op.bytes.length);
            }
            if (kept < n && unforced.get(kept).bytes != null && random.nextBoolean()) {
                Op torn = unforced.get(kept);
                applyDurable(torn, random.nextInt(torn.bytes.length + 1));
            }
            if ((n > 0 || mapped) && random.nextInt(4) == 0) {
                writeBack(random);
            }
            return Arrays.copyOf(durable, durableLength);
        } finally {
            durable = savedDurable;
            durableLength = savedLength;
        }
    }

    /** Copies some of the pages where the page cache differs from {@link #durable}, each with probability 1/2. */
    private void writeBack(Random random) {
        int limit = Math.min(durableLength, length);
        for (int page = 0; page < limit; page += PAGE) {
            int end = Math.min(page + PAGE, limit);
            if (!Arrays.equals(data, page, end, durable, page, end) && random.nextBoolean()) {
                System.arraycopy(data, page, durable, page, end - page);
            }
        }
    }

    private void ensureCapacity(int n) {
        data = grow(data, n);
    }

    private static byte[] grow(byte[] a, int n) {
        if (n <= a.length) {
            return a;
        }
        return Arrays.copyOf(a, Math.max(n, Math.max(PAGE, a.length * 2)));
    }
}
