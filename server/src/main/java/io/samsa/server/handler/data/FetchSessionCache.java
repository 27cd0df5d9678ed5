package io.samsa.server.handler.data;

import io.samsa.common.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's incremental fetch sessions (KIP-227), bounded by {@code max.incremental.fetch.session.cache.slots}.
 * When the cache is full, a new session takes the place of the least recently used session idle for longer than
 * the eviction time (Kafka's {@code min.incremental.fetch.session.eviction.ms}, 120 s); else of the smallest
 * consumer's session, when the new one is a follower's (followers' sessions are privileged, as in KIP-227: a
 * replica fetcher that lost its session would send every partition again on every fetch) or has more partitions;
 * otherwise the client gets no session (session id 0) and keeps sending full requests. A consumer's session never
 * displaces a follower's that is in use.
 *
 * <p>Thread-safe: connection event loops share it; each method holds the cache's monitor briefly (map
 * operations only, no I/O).
 */
final class FetchSessionCache {
    private static final Logger log = LoggerFactory.getLogger(FetchSessionCache.class);
    static final long EVICTION_MS = 120_000;

    private final int maxSessions;
    private final Clock clock;
    private final long evictionMs;
    /** Access order: least recently used first. */
    private final LinkedHashMap<Integer, FetchSession> sessions = new LinkedHashMap<>(16, 0.75f, true);

    FetchSessionCache(int maxSessions, Clock clock, long evictionMs) {
        this.maxSessions = maxSessions;
        this.clock = clock;
        this.evictionMs = evictionMs;
    }

    /** The session with this id (marking it used), or null. */
    synchronized FetchSession get(int id) {
        return sessions.get(id);
    }

    synchronized FetchSession remove(int id) {
        return sessions.remove(id);
    }

    synchronized int size() {
        return sessions.size();
    }

    /** The partitions cached by all sessions (Kafka's {@code NumIncrementalFetchPartitionsCached}). */
    synchronized int partitionsCached() {
        int n = 0;
        for (FetchSession s : sessions.values()) {
            n += s.size();
        }
        return n;
    }

    /**
     * Creates a session holding {@code partitions} (the cache takes them) if there is room or a session can be
     * evicted; returns null otherwise. {@code privileged}: the fetch is a follower's.
     */
    synchronized FetchSession create(LinkedHashMap<FetchKey, FetchSession.CachedPartition> partitions,
                                     boolean privileged) {
        if (maxSessions <= 0) {
            return null;
        }
        long now = clock.milliseconds();
        if (sessions.size() >= maxSessions && !evictFor(partitions.size(), privileged, now)) {
            return null;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        FetchSession s = new FetchSession(id, partitions, privileged, now);
        sessions.put(id, s);
        return s;
    }

    private boolean evictFor(int newSize, boolean privileged, long now) {
        Iterator<Map.Entry<Integer, FetchSession>> it = sessions.entrySet().iterator();
        if (it.hasNext()) {
            FetchSession lru = it.next().getValue();
            if (now - lru.lastUsedMs() > evictionMs) {
                it.remove();
                log.debug("Evicted fetch session {} (idle {} ms)", lru.id(), now - lru.lastUsedMs());
                return true;
            }
        }
        FetchSession smallest = null;
        for (FetchSession s : sessions.values()) {
            if (!s.privileged() && (smallest == null || s.size() < smallest.size())) {
                smallest = s;
            }
        }
        if (smallest != null && (privileged || smallest.size() < newSize)) {
            sessions.remove(smallest.id());
            log.debug("Evicted fetch session {} ({} partitions) for a {} session of {}", smallest.id(),
                    smallest.size(), privileged ? "follower's" : "consumer's", newSize);
            return true;
        }
        return false;
    }
}
