package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.common.ManualClock;
import io.samsa.log.LogConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's replication throttles on a manual clock: the quota's rate over its sampled window, which partitions it
 * applies to, and the leader's side: a throttled partition reads nothing for a follower out of the ISR while the
 * quota is exceeded, an in-sync follower and consumers are never held back, and the bytes sent are recorded.
 */
class ReplicationThrottleTest {
    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final ManualClock clock = new ManualClock(50_000);
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final QueueExecutor home = new QueueExecutor("home");
    private final List<Fetch> fetches = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        partitions = new TestPartitions(dir);
    }

    @AfterEach
    void close() throws IOException {
        for (Fetch f : fetches) {
            for (DelayedFetch.PartitionFetch pf : f.partitions()) {
                if (pf.read() != null) {
                    pf.read().records().release();
                }
            }
        }
        partitions.close();
    }

    @Test
    void theRateIsTheSampledBytesOverAtLeastTheWholeWindowLessOneSample() {
        ReplicationQuota q = new ReplicationQuota(clock, 11, 1000);
        assertEquals(0.0, q.rate());
        assertFalse(q.isQuotaExceeded(), "unbounded by default");
        q.record(10_000);
        assertEquals(1000.0, q.rate(), 1e-9, "10 000 bytes over 10 samples of 1 s");
        q.setRate(999);
        assertTrue(q.isQuotaExceeded());
        q.setRate(1000);
        assertFalse(q.isQuotaExceeded(), "at the bound is not above it");
        clock.advance(5_000);
        q.record(10_000);
        assertEquals(2000.0, q.rate(), 1e-9);
        clock.advance(10_000);
        assertEquals(1000.0, q.rate(), 1e-9, "the first sample left the 11 s window");
        clock.advance(6_000);
        assertEquals(0.0, q.rate(), 1e-9, "every sample left the window");
        clock.advance(5_000);
        q.record(20_000);
        clock.advance(20_000);
        q.record(5_000);
        assertEquals(500.0, q.rate(), 1e-9, "a long quiet time forgets what came before");
    }

    @Test
    void itAppliesToTheNamedPartitionsOrToEveryPartitionOfATopic() {
        ReplicationQuota q = new ReplicationQuota(clock, 11, 1000);
        q.setThrottled(Map.of("a", Set.of(0, 2), "b", Set.of(ReplicationQuota.ALL_PARTITIONS)));
        assertTrue(q.isThrottled("a", 0));
        assertFalse(q.isThrottled("a", 1));
        assertTrue(q.isThrottled("a", 2));
        assertTrue(q.isThrottled("b", 7));
        assertFalse(q.isThrottled("c", 0));
        q.setThrottled(Map.of());
        assertFalse(q.isThrottled("a", 0));
    }

    /** Records its completions. */
    private final class Fetch extends DelayedFetch<DelayedFetch.PartitionFetch> {
        Fetch(FetchParams params, List<DelayedFetch.PartitionFetch> parts) {
            super(home, params, parts);
            fetches.add(this);
        }

        @Override
        protected void onFetchComplete(boolean expired) {
        }

        long bytes() {
            PartitionRead r = partitions().get(0).read();
            return r.records().length();
        }
    }

    private Fetch fetch(int replicaId, Partition p, ReplicationQuota quota) {
        FetchParams params = new FetchParams(replicaId, 0, 1, 1 << 20, FetchIsolation.LOG_END);
        Fetch f = new Fetch(params, List.of(new DelayedFetch.PartitionFetch(p, 0, 1 << 20, -1)));
        f.throttle(quota);
        home.execute(f::start);
        home.runPending();
        shard.runPending();
        return f;
    }

    @Test
    void theLeaderHoldsBackThrottledPartitionsFromFollowersOutOfTheIsr() {
        // Node 1 leads with ISR [1, 2]; 3 is catching up.
        Partition p = new Partition("t", 0, new UUID(1, 2), partitions.logs().getOrCreate("t", 0,
                LogConfig.DEFAULTS), TestPartitions.NODE, new PartitionState(TestPartitions.NODE, 7, List.of(1, 2),
                List.of(1, 2, 3)), 1, shard);
        ByteBuf b = PartitionTest.batch(20, -1, -1, false);
        int size = b.readableBytes();
        try {
            shard.execute(() -> p.appendAsLeader(b, 1));
            shard.runPending();
        } finally {
            b.release();
        }
        ReplicationQuota quota = new ReplicationQuota(clock, 11, 1000);
        quota.setThrottled(Map.of("t", Set.of(ReplicationQuota.ALL_PARTITIONS)));
        quota.setRate(size / 20);

        assertEquals(size, fetch(3, p, quota).bytes(), "under the quota: the whole batch");
        assertEquals(size / 10.0, quota.rate(), 1e-9, "recorded: one batch over 10 s");
        assertTrue(quota.isQuotaExceeded());
        Fetch held = fetch(3, p, quota);
        assertEquals(0, held.bytes(), "over the quota: nothing for a follower out of the ISR");
        assertEquals(p.logEndOffset(), held.partitions().get(0).read().logEndOffset());
        assertEquals(size, fetch(2, p, quota).bytes(), "an in-sync follower is never held back");
        assertEquals(2 * size / 10.0, quota.rate(), 1e-9, "its bytes count too");

        ReplicationQuota other = new ReplicationQuota(clock, 11, 1000);
        other.setRate(0);
        other.record(1);
        assertEquals(size, fetch(3, p, other).bytes(), "a partition the quota does not name");

        clock.advance(12_000);
        assertFalse(quota.isQuotaExceeded());
        assertEquals(size, fetch(3, p, quota).bytes(), "the window moved on: replicating again");
    }
}
