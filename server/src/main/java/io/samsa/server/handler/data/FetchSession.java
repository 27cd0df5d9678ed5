package io.samsa.server.handler.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One incremental fetch session (KIP-227): its id, the epoch the next request must carry, and for each partition
 * in it the fetch offset and maximum bytes the client last sent and the offsets the broker last answered (an
 * incremental response leaves out partitions whose answer did not change). Partitions keep their insertion order.
 *
 * <p>Thread-safety: a session is used by one client, one request at a time (the epoch orders them); methods are
 * synchronized all the same, since a misbehaving client may send two requests for one session from two
 * connections.
 */
final class FetchSession {

    /** What the session remembers of one partition. */
    static final class CachedPartition {
        final FetchKey key;
        long fetchOffset;
        int maxBytes;
        long highWatermark = -1;
        long lastStableOffset = -1;
        long logStartOffset = -1;

        CachedPartition(FetchKey key, long fetchOffset, int maxBytes) {
            this.key = key;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
        }

        /**
         * Whether an incremental response must include this partition's answer, and remembers the answer: records,
         * an error, or a changed high watermark, last stable offset or log start offset.
         */
        boolean mustRespond(int recordBytes, short errorCode, long hw, long lso, long logStart) {
            boolean must = recordBytes > 0 || errorCode != 0 || hw != highWatermark || lso != lastStableOffset
                    || logStart != logStartOffset;
            if (errorCode != 0) {
                // Force the next answer to carry the offsets again.
                highWatermark = -1;
                lastStableOffset = -1;
                logStartOffset = -1;
            } else {
                highWatermark = hw;
                lastStableOffset = lso;
                logStartOffset = logStart;
            }
            return must;
        }
    }

    private final int id;
    private final LinkedHashMap<FetchKey, CachedPartition> partitions;
    private int epoch;
    private long lastUsedMs;

    FetchSession(int id, LinkedHashMap<FetchKey, CachedPartition> partitions, long nowMs) {
        this.id = id;
        this.partitions = partitions;
        this.epoch = 1;
        this.lastUsedMs = nowMs;
    }

    int id() {
        return id;
    }

    /** The epoch the next request must carry. */
    synchronized int epoch() {
        return epoch;
    }

    synchronized long lastUsedMs() {
        return lastUsedMs;
    }

    synchronized int size() {
        return partitions.size();
    }

    /** Moves to the next epoch (wrapping past Integer.MAX_VALUE to 1) and marks the session used. */
    synchronized void advance(long nowMs) {
        epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        lastUsedMs = nowMs;
    }

    synchronized void put(FetchKey key, long fetchOffset, int maxBytes) {
        CachedPartition c = partitions.get(key);
        if (c == null) {
            partitions.put(key, new CachedPartition(key, fetchOffset, maxBytes));
        } else {
            c.fetchOffset = fetchOffset;
            c.maxBytes = maxBytes;
        }
    }

    synchronized void remove(FetchKey key) {
        partitions.remove(key);
    }

    synchronized CachedPartition get(FetchKey key) {
        return partitions.get(key);
    }

    /** A snapshot of the partitions, in session order. */
    synchronized CachedPartition[] partitions() {
        return partitions.values().toArray(new CachedPartition[0]);
    }

    synchronized Map<FetchKey, CachedPartition> view() {
        return Map.copyOf(partitions);
    }
}
