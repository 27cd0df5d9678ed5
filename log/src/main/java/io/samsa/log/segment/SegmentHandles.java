package io.samsa.log.segment;

import io.samsa.log.index.OffsetIndex;
import io.samsa.log.index.TimeIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open resources of one segment: its {@code .log} channel and its mapped offset and time indexes,
 * reference-counted. The creator holds the first reference (the active segment itself, or the handle cache
 * for a cold segment); every reader, the flusher and every {@code FileSlice} retain one while they use the
 * handles, and the last {@link #release()} closes the channel and unmaps the indexes.
 *
 * <p>Thread-safe.
 */
public final class SegmentHandles {
    private static final Logger log = LoggerFactory.getLogger(SegmentHandles.class);

    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final boolean writable;
    private final AtomicInteger refs = new AtomicInteger(1);

    SegmentHandles(FileChannel channel, OffsetIndex offsetIndex, TimeIndex timeIndex, boolean writable) {
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.writable = writable;
    }

    public FileChannel channel() {
        return channel;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    public boolean writable() {
        return writable;
    }

    /** Takes a reference unless the handles are already closed; returns false then. */
    public boolean retain() {
        while (true) {
            int n = refs.get();
            if (n <= 0) {
                return false;
            }
            if (refs.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one closes the channel and unmaps the indexes. */
    public void release() {
        int n = refs.decrementAndGet();
        if (n == 0) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("Failed to close {}", channel, e);
            }
            offsetIndex.close();
            timeIndex.close();
        } else if (n < 0) {
            throw new IllegalStateException("Segment handles released more often than retained");
        }
    }

    /** The current reference count (tests and diagnostics). */
    public int refCount() {
        return refs.get();
    }
}
