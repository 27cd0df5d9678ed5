package io.samsa.wire.record;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A test allocator that remembers every buffer it hands out and the largest single memory block it
 * allocated (including growth), so a test can assert that everything was released and that no
 * allocation followed an untrusted length. Deterministic, unlike the GC-driven leak detector.
 *
 * <p>Not thread-safe: tests use it from one thread (EmbeddedChannel runs on the test thread).
 */
public final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> buffers = new ArrayList<>();
    private int largestBlock;
    private long totalBytes;

    public TrackingAllocator(boolean preferDirect) {
        super(preferDirect);
    }

    public TrackingAllocator() {
        this(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
            @Override
            protected byte[] allocateArray(int size) {
                recordBlock(size);
                return super.allocateArray(size);
            }
        };
        buffers.add(buf);
        return buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity) {
            @Override
            protected ByteBuffer allocateDirect(int size) {
                recordBlock(size);
                return super.allocateDirect(size);
            }
        };
        buffers.add(buf);
        return buf;
    }

    private void recordBlock(int size) {
        largestBlock = Math.max(largestBlock, size);
        totalBytes += size;
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    /** The largest single array or direct block allocated so far, in bytes. */
    public int largestBlock() {
        return largestBlock;
    }

    /** All bytes allocated so far (growth included), released or not. */
    public long totalBytes() {
        return totalBytes;
    }

    public int allocations() {
        return buffers.size();
    }

    /** Number of buffers handed out and not yet released. */
    public int unreleased() {
        int n = 0;
        for (ByteBuf b : buffers) {
            if (b.refCnt() != 0) {
                n++;
            }
        }
        return n;
    }

    /** Fails the test when a buffer from this allocator is still referenced. */
    public void assertAllReleased() {
        int n = unreleased();
        if (n != 0) {
            fail(n + " of " + buffers.size() + " buffers were not released");
        }
    }
}
