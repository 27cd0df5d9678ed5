package io.samsa.server.handler.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One incremental fetch session (KIP-227): its id, the epoch the next request must carry, and for each partition
 * in it the fetch offset, maximum bytes and current leader epoch the client last sent and the offsets the broker
 * last answered (an incremental response leaves out partitions whose answer did not change). Partitions keep their
 * insertion order, except that a partition that returned records moves to the end, as in Kafka, so that a small
 * {@code max_bytes} cannot starve the partitions after it.
 *
 * <p>Thread-safety: every field of the session and of its cached partitions belongs to the session's monitor: a
 * request checks and advances the epoch, applies its partitions and takes its snapshot in one step
 * ({@link #begin}), and records its answers in another ({@link #respond}); no cached partition is handed to a
 * caller to mutate (the accessors returning one are for tests and for a session not yet published). A session is
 * used by one client one request at a time, but a misbehaving client may send two requests for one session from
 * two connections (two event loops): the second then fails the epoch check instead of racing the first.
 */
final class FetchSession {

    /** A partition to read for one request, as the session held it when the request began. */
    record Fetch(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch, int lastFetchedEpoch) {
        /** Without a last fetched epoch (-1: a consumer's, or a fetch below v12). */
        Fetch(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
            this(key, fetchOffset, maxBytes, currentLeaderEpoch, -1);
        }
    }

    /** What the session remembers of one partition. */
    static final class CachedPartition {
        final FetchKey key;
        long fetchOffset;
        int maxBytes;
        /** The client's current_leader_epoch (-1: none), kept so that a partition it does not resend is fenced. */
        int currentLeaderEpoch;
        /** The fetcher's last_fetched_epoch (KIP-320; -1: none), kept with the fetch offset it goes with. */
        int lastFetchedEpoch = -1;
        long highWatermark = -1;
        long lastStableOffset = -1;
        long logStartOffset = -1;

        CachedPartition(FetchKey key, long fetchOffset, int maxBytes) {
            this(key, fetchOffset, maxBytes, -1);
        }

        CachedPartition(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
            this.key = key;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
            this.currentLeaderEpoch = currentLeaderEpoch;
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
    private final boolean privileged;
    private int epoch;
    private long lastUsedMs;

    FetchSession(int id, LinkedHashMap<FetchKey, CachedPartition> partitions, boolean privileged, long nowMs) {
        this.id = id;
        this.partitions = partitions;
        this.privileged = privileged;
        this.epoch = 1;
        this.lastUsedMs = nowMs;
    }

    int id() {
        return id;
    }

    /** A follower's session (KIP-227): only an idle-past-eviction session or another follower's takes its slot. */
    boolean privileged() {
        return privileged;
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

    /**
     * Begins an incremental request in one atomic step: checks that it carries the session's epoch (else returns
     * null and changes nothing: INVALID_FETCH_SESSION_EPOCH), moves to the next epoch, applies the request's
     * partitions ({@code updates}, added at the end when new) and {@code forgotten} ones, and returns what to read,
     * in session order.
     */
    synchronized List<Fetch> begin(int requestEpoch, long nowMs, List<Fetch> updates, List<FetchKey> forgotten) {
        if (requestEpoch != epoch) {
            return null;
        }
        advance(nowMs);
        for (Fetch f : updates) {
            put(f.key(), f.fetchOffset(), f.maxBytes(), f.currentLeaderEpoch(), f.lastFetchedEpoch());
        }
        for (FetchKey k : forgotten) {
            partitions.remove(k);
        }
        List<Fetch> out = new ArrayList<>(partitions.size());
        for (CachedPartition c : partitions.values()) {
            out.add(new Fetch(c.key, c.fetchOffset, c.maxBytes, c.currentLeaderEpoch, c.lastFetchedEpoch));
        }
        return out;
    }

    /**
     * Records a partition's answer to an incremental request and says whether the response must carry it (see
     * {@link CachedPartition#mustRespond}); a partition that returned records moves to the end of the session's
     * order. A partition no longer in the session (forgotten meanwhile) is answered.
     */
    synchronized boolean respond(FetchKey key, int recordBytes, short errorCode, long hw, long lso, long logStart) {
        CachedPartition c = partitions.get(key);
        if (c == null) {
            return true;
        }
        boolean must = c.mustRespond(recordBytes, errorCode, hw, lso, logStart);
        if (recordBytes > 0) {
            partitions.remove(key);
            partitions.put(key, c);
        }
        return must;
    }

    synchronized void put(FetchKey key, long fetchOffset, int maxBytes) {
        put(key, fetchOffset, maxBytes, -1);
    }

    synchronized void put(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
        put(key, fetchOffset, maxBytes, currentLeaderEpoch, -1);
    }

    synchronized void put(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                          int lastFetchedEpoch) {
        CachedPartition c = partitions.get(key);
        if (c == null) {
            c = new CachedPartition(key, fetchOffset, maxBytes, currentLeaderEpoch);
            partitions.put(key, c);
        } else {
            c.fetchOffset = fetchOffset;
            c.maxBytes = maxBytes;
            c.currentLeaderEpoch = currentLeaderEpoch;
        }
        c.lastFetchedEpoch = lastFetchedEpoch;
    }

    synchronized void remove(FetchKey key) {
        partitions.remove(key);
    }

    /** The cached partition (tests: the caller must not change it). */
    synchronized CachedPartition get(FetchKey key) {
        return partitions.get(key);
    }

    /** A snapshot of the partitions, in session order (tests). */
    synchronized CachedPartition[] partitions() {
        return partitions.values().toArray(new CachedPartition[0]);
    }

    synchronized Map<FetchKey, CachedPartition> view() {
        return Map.copyOf(partitions);
    }
}
