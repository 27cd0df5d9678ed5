package io.samsa.log.segment;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded cache of open handles of cold (inactive) segments, shared by every log of one log directory.
 * An entry holds one reference to a segment's {@link SegmentHandles}; eviction releases it, so the channel
 * closes as soon as no reader or file slice still holds the handles. A later read reopens them. With the
 * bound at a few thousand, tens of thousands of partitions fit in the default open-files limit, because an
 * active segment holds one descriptor (index mappings need none once mapped).
 *
 * <p>Thread-safe. Maintenance (eviction) runs on the calling thread, never on a pool.
 */
public final class HandleCache {
    private final Cache<LogSegment, SegmentHandles> cache;
    private final AtomicLong opened = new AtomicLong();

    public HandleCache(long maxOpenSegments) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxOpenSegments)
                .executor(Runnable::run)
                .removalListener((LogSegment seg, SegmentHandles h, RemovalCause cause) -> {
                    if (h != null) {
                        h.release();
                    }
                })
                .build();
    }

    /** Returns retained handles of a cold segment, opening them if needed; the caller releases them. */
    SegmentHandles acquire(LogSegment segment) {
        while (true) {
            SegmentHandles h = cache.get(segment, s -> {
                opened.incrementAndGet();
                return s.openColdHandles();
            });
            if (h.retain()) {
                return h;
            }
            // Evicted and closed between get and retain: drop the dead entry and reopen.
            cache.asMap().remove(segment, h);
        }
    }

    /** Closes a segment's cached handles (once readers release them): deletion, truncation, activation. */
    void invalidate(LogSegment segment) {
        cache.invalidate(segment);
    }

    /** The number of cached entries after pending maintenance (tests). */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** How many times cold handles were opened (tests and metrics). */
    public long openedCount() {
        return opened.get();
    }

    public void invalidateAll() {
        cache.invalidateAll();
        cache.cleanUp();
    }
}
