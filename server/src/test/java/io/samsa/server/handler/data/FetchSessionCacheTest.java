package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class FetchSessionCacheTest {
    private final ManualClock clock = new ManualClock(1_000_000);

    private static LinkedHashMap<FetchKey, FetchSession.CachedPartition> partitions(int n) {
        LinkedHashMap<FetchKey, FetchSession.CachedPartition> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            FetchKey k = new FetchKey("t", null, i);
            m.put(k, new FetchSession.CachedPartition(k, 0, 1024));
        }
        return m;
    }

    @Test
    void sessionsGetDistinctNonZeroIdsAndStartAtEpochOne() {
        FetchSessionCache cache = new FetchSessionCache(10, clock, 120_000);
        FetchSession a = cache.create(partitions(1), false);
        FetchSession b = cache.create(partitions(1), false);
        assertNotEquals(0, a.id());
        assertNotEquals(a.id(), b.id());
        assertEquals(1, a.epoch());
        a.advance(clock.milliseconds());
        assertEquals(2, a.epoch());
        assertSame(a, cache.get(a.id()));
        assertSame(a, cache.remove(a.id()));
        assertNull(cache.get(a.id()));
        assertEquals(1, cache.size());
    }

    @Test
    void aFullCacheEvictsAnIdleSessionThenASmallerOneElseRefuses() {
        FetchSessionCache cache = new FetchSessionCache(2, clock, 120_000);
        FetchSession small = cache.create(partitions(1), false);
        FetchSession big = cache.create(partitions(5), false);
        assertNull(cache.create(partitions(1), false), "full, nothing idle, nothing smaller");
        FetchSession bigger = cache.create(partitions(3), false);
        assertNotNull(bigger, "a session with more partitions displaces the smallest");
        assertNull(cache.get(small.id()));
        assertNotNull(cache.get(big.id()));
        clock.advance(120_001);
        cache.get(bigger.id());
        FetchSession fresh = cache.create(partitions(1), false);
        assertNotNull(fresh, "the least recently used session idle past the eviction time goes");
        assertNull(cache.get(big.id()));
        assertEquals(2, cache.size());
    }

    @Test
    void followersSessionsArePrivileged() {
        FetchSessionCache cache = new FetchSessionCache(2, clock, 120_000);
        FetchSession follower = cache.create(partitions(1), true);
        FetchSession consumer = cache.create(partitions(50), false);
        assertNull(cache.create(partitions(30), false),
                "a consumer displaces no follower in use, though the follower's session is the smallest");
        assertNotNull(cache.get(follower.id()));
        FetchSession second = cache.create(partitions(1), true);
        assertNotNull(second, "a follower displaces a consumer's session, however large");
        assertNull(cache.get(consumer.id()));
        assertNull(cache.create(partitions(1), true), "only followers left, none idle: no session");
        assertEquals(2, cache.size());
        clock.advance(120_001);
        cache.get(second.id());
        assertNotNull(cache.create(partitions(1), false), "a follower idle past the eviction time goes");
        assertNull(cache.get(follower.id()));
    }

    @Test
    void zeroSlotsMeansNoSessions() {
        assertNull(new FetchSessionCache(0, clock, 120_000).create(partitions(1), false));
    }

    @Test
    void incrementalAnswersCarryOnlyChangedPartitions() {
        FetchSession.CachedPartition c = new FetchSession.CachedPartition(new FetchKey(null, UUID.randomUUID(), 0),
                5, 100);
        assertTrue(c.mustRespond(0, (short) 0, 10, 10, 0), "first answer");
        assertFalse(c.mustRespond(0, (short) 0, 10, 10, 0), "nothing changed");
        assertTrue(c.mustRespond(0, (short) 0, 11, 10, 0), "high watermark moved");
        assertTrue(c.mustRespond(0, (short) 0, 11, 11, 0), "last stable offset moved");
        assertTrue(c.mustRespond(0, (short) 0, 11, 11, 3), "log start moved");
        assertTrue(c.mustRespond(120, (short) 0, 11, 11, 3), "records");
        assertTrue(c.mustRespond(0, (short) 1, -1, -1, -1), "an error");
        assertTrue(c.mustRespond(0, (short) 0, 11, 11, 3), "after an error the offsets are sent again");
        assertFalse(c.mustRespond(0, (short) 0, 11, 11, 3));
    }

    @Test
    void sessionKeepsInsertionOrderAndForgets() {
        FetchSessionCache cache = new FetchSessionCache(1, clock, 120_000);
        FetchSession s = cache.create(partitions(3), false);
        s.put(new FetchKey("u", null, 0), 7, 50);
        s.put(new FetchKey("t", null, 1), 9, 60);
        s.remove(new FetchKey("t", null, 0));
        List<FetchKey> keys = java.util.Arrays.stream(s.partitions()).map(p -> p.key).toList();
        assertEquals(List.of(new FetchKey("t", null, 1), new FetchKey("t", null, 2), new FetchKey("u", null, 0)),
                keys);
        assertEquals(9, s.get(new FetchKey("t", null, 1)).fetchOffset);
        assertEquals(60, s.get(new FetchKey("t", null, 1)).maxBytes);
    }

    @Test
    void aPartitionThatReturnedRecordsMovesToTheEndOfTheSession() {
        FetchSession s = new FetchSessionCache(1, clock, 120_000).create(partitions(3), false);
        assertTrue(s.respond(new FetchKey("t", null, 0), 500, (short) 0, 10, 10, 0));
        assertTrue(s.respond(new FetchKey("t", null, 1), 0, (short) 0, 10, 10, 0));
        List<FetchKey> order = s.begin(1, clock.milliseconds(), List.of(), List.of()).stream()
                .map(FetchSession.Fetch::key).toList();
        assertEquals(List.of(new FetchKey("t", null, 1), new FetchKey("t", null, 2), new FetchKey("t", null, 0)),
                order, "t-0 returned records: the next request reads t-1 and t-2 first");
    }

    @Test
    void cachedPartitionsKeepTheirCurrentLeaderEpochForFencing() {
        LinkedHashMap<FetchKey, FetchSession.CachedPartition> m = new LinkedHashMap<>();
        FetchKey a = new FetchKey("t", null, 0);
        FetchKey b = new FetchKey("t", null, 1);
        m.put(a, new FetchSession.CachedPartition(a, 0, 1024, 5));
        m.put(b, new FetchSession.CachedPartition(b, 0, 1024, 5));
        FetchSession s = new FetchSessionCache(1, clock, 120_000).create(m, false);
        List<FetchSession.Fetch> first = s.begin(1, clock.milliseconds(),
                List.of(new FetchSession.Fetch(b, 40, 2048, 7)), List.of());
        assertEquals(List.of(new FetchSession.Fetch(a, 0, 1024, 5), new FetchSession.Fetch(b, 40, 2048, 7)), first,
                "a partition not resent keeps the epoch it was sent with; a resent one takes the new one");
        assertEquals(List.of(new FetchSession.Fetch(a, 0, 1024, 5), new FetchSession.Fetch(b, 40, 2048, 7)),
                s.begin(2, clock.milliseconds(), List.of(), List.of()));
    }

    @Test
    void theEpochIsCheckedAndAdvancedInOneStep() throws Exception {
        FetchSession s = new FetchSessionCache(1, clock, 120_000).create(partitions(2), false);
        assertNotNull(s.begin(1, clock.milliseconds(), List.of(), List.of()));
        assertNull(s.begin(1, clock.milliseconds(), List.of(new FetchSession.Fetch(new FetchKey("u", null, 0), 0,
                1, -1)), List.of()), "a replayed epoch is refused");
        assertEquals(2, s.epoch());
        assertEquals(2, s.size(), "and changes nothing");
        // Two connections racing with the same epoch: exactly one wins each round.
        int rounds = 2000;
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.atomic.AtomicInteger wins = new java.util.concurrent.atomic.AtomicInteger();
        Runnable racer = () -> {
            try {
                for (int r = 0; r < rounds; r++) {
                    barrier.await();
                    if (s.begin(2 + r, 0, List.of(), List.of()) != null) {
                        wins.incrementAndGet();
                    }
                    barrier.await();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        Thread t1 = new Thread(racer);
        Thread t2 = new Thread(racer);
        t1.start();
        t2.start();
        t1.join();
        t2.join();
        assertEquals(rounds, wins.get());
        assertEquals(2 + rounds, s.epoch());
    }
}
