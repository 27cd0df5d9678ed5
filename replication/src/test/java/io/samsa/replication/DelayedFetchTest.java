package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.log.LogConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DelayedFetch}, the long poll: completes at once when {@code min_bytes} are there, parks otherwise and
 * completes when an append moves a watched partition's high watermark far enough (wake-ups coalesced into one check
 * on the home executor), or when {@code max_wait_ms} passes on the home executor's timer; byte limits; follower
 * fetches read to the log end and must come from a replica. Hand-driven executors, real logs.
 */
@Timeout(30)
class DelayedFetchTest {
    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final QueueExecutor home = new QueueExecutor("home");
    private final List<ByteBuf> batches = new ArrayList<>();
    private final List<Fetch> fetches = new ArrayList<>();
    /** Holds the fsyncs of durable-mode partitions (their high watermark stays put). */
    private final PartitionTest.GatedForcer forcer = new PartitionTest.GatedForcer();

    @BeforeEach
    void open() throws IOException {
        partitions = new TestPartitions(dir);
    }

    @AfterEach
    void close() throws IOException {
        forcer.gate.countDown();
        for (Fetch f : fetches) {
            for (DelayedFetch.PartitionFetch pf : f.partitions()) {
                if (pf.read() != null) {
                    pf.read().records().release();
                }
            }
        }
        batches.forEach(ByteBuf::release);
        partitions.close();
    }

    /** Records its completions. */
    private final class Fetch extends DelayedFetch<DelayedFetch.PartitionFetch> {
        int completions;
        boolean expired;

        Fetch(FetchParams params, List<DelayedFetch.PartitionFetch> parts) {
            super(home, params, parts);
            fetches.add(this);
        }

        @Override
        protected void onFetchComplete(boolean expired) {
            completions++;
            this.expired = expired;
        }

        DelayedFetch.PartitionFetch only() {
            return partitions().get(0);
        }
    }

    private static FetchParams consumer(int maxWaitMs, int minBytes) {
        return new FetchParams(-1, maxWaitMs, minBytes, 1 << 20, FetchIsolation.HIGH_WATERMARK);
    }

    private Fetch fetch(FetchParams params, Partition p, long offset, int maxBytes) {
        Fetch f = new Fetch(params, List.of(new DelayedFetch.PartitionFetch(p, offset, maxBytes, -1)));
        home.execute(f::start);
        home.runPending();
        return f;
    }

    /** A durable-mode partition replicated to node 2, on fresh logs whose fsyncs wait for the gate. */
    private Partition durableWithAFollower() throws IOException {
        partitions.close();
        partitions = new TestPartitions(dir.resolve("durable"), forcer);
        return partitions.create("t", 0, shard, LogConfig.fromMap(Map.of("flush.messages", "1")),
                List.of(TestPartitions.NODE, 2), 1);
    }

    /** Appends {@code records} records of about 20 bytes each on the shard; returns the batch's size. */
    private int append(Partition p, int records) {
        ByteBuf b = PartitionTest.batch(records, -1, -1, false);
        batches.add(b);
        int size = b.readableBytes();
        shard.execute(() -> p.appendAsLeader(b, 1));
        shard.runPending();
        return size;
    }

    @Test
    void enoughBytesCompleteAtOnce() {
        Partition p = partitions.create("t", 0, shard);
        int size = append(p, 3);
        Fetch f = fetch(consumer(5000, size), p, 0, 1 << 20);
        assertEquals(1, f.completions);
        assertFalse(f.expired);
        assertEquals(size, f.only().read().records().length());
        assertEquals(3, f.only().read().highWatermark());
        assertEquals(0, home.timers());
    }

    @Test
    void aParkedFetchWakesOnAHighWatermarkMoveAndWaitsForMinBytes() {
        Partition p = partitions.create("t", 0, shard);
        ByteBuf probe = PartitionTest.batch(1, -1, -1, false);
        int minBytes = 2 * probe.readableBytes() + 1;
        probe.release();
        Fetch f = fetch(consumer(5000, minBytes), p, 0, 1 << 20);
        assertEquals(0, f.completions);
        assertEquals(1, p.liveWatcherCount(), "parked on the partition");
        assertEquals(1, home.timers());

        append(p, 1);
        append(p, 1);
        assertEquals(1, home.queued(), "two wake-ups, one coalesced check");
        home.runPending();
        assertEquals(0, f.completions, "fewer than min_bytes");

        append(p, 5);
        home.runPending();
        assertEquals(1, f.completions);
        assertFalse(f.expired);
        assertTrue(f.only().read().records().length() >= minBytes);
        assertEquals(7, f.only().read().highWatermark());
        assertEquals(0, home.timers(), "the timeout was cancelled");
    }

    @Test
    void maxWaitExpiresOnTheHomeExecutorsTimerWithALastRead() {
        Partition p = partitions.create("t", 0, shard);
        Fetch f = fetch(consumer(500, 1000), p, 0, 1 << 20);
        int size = append(p, 1);
        home.runPending();
        home.advance(499);
        assertEquals(0, f.completions);
        home.advance(1);
        assertEquals(1, f.completions);
        assertTrue(f.expired);
        assertEquals(size, f.only().read().records().length(), "whatever is there when time is up");
        assertEquals(0, p.liveWatcherCount());
    }

    @Test
    void maxWaitZeroAndErrorsDoNotPark() {
        Partition p = partitions.create("t", 0, shard);
        assertEquals(1, fetch(consumer(0, 1000), p, 0, 1 << 20).completions);
        Fetch outOfRange = fetch(consumer(5000, 1000), p, 42, 1 << 20);
        assertEquals(1, outOfRange.completions);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE,
                assertInstanceOf(SamsaException.class, outOfRange.only().error()).errorCode());
        assertNull(outOfRange.only().read());
        Fetch failedBefore = new Fetch(consumer(5000, 1000),
                List.of(new DelayedFetch.PartitionFetch(null, 0, 100, -1)));
        home.execute(failedBefore::start);
        home.runPending();
        assertEquals(1, failedBefore.completions, "a partition the caller failed counts as an error");
    }

    @Test
    void theFirstBatchComesWholeThenPartitionAndRequestLimitsApply() {
        Partition a = partitions.create("a", 0, shard);
        Partition b = partitions.create("b", 0, shard);
        int sizeA = append(a, 4);
        append(b, 4);
        Fetch f = new Fetch(new FetchParams(-1, 0, 1, sizeA + 10, FetchIsolation.HIGH_WATERMARK),
                List.of(new DelayedFetch.PartitionFetch(a, 0, 10, -1), new DelayedFetch.PartitionFetch(b, 0, 1 << 20,
                        -1)));
        home.execute(f::start);
        home.runPending();
        assertEquals(sizeA, f.partitions().get(0).read().records().length(), "KIP-74: the first batch whole");
        assertTrue(f.partitions().get(1).read().records().isEmpty(), "the request's 10 bytes left hold no batch");
    }

    @Test
    void aFollowerReadsToTheLogEndAndAConsumerToTheHighWatermark() throws IOException {
        Partition p = durableWithAFollower();
        int size = append(p, 2);
        assertEquals(0, p.highWatermark(), "not durable yet");
        Fetch consumer = fetch(consumer(0, 1), p, 0, 1 << 20);
        assertTrue(consumer.only().read().records().isEmpty());
        Fetch follower = fetch(new FetchParams(2, 0, 1, 1 << 20, FetchIsolation.LOG_END), p, 0, 1 << 20);
        assertNull(follower.only().error());
        assertEquals(size, follower.only().read().records().length(), "a follower replicates what the leader has");
        assertEquals(0, follower.only().read().highWatermark());
    }

    @Test
    void aFollowerWaitsForTheLogEndNotTheHighWatermark() throws IOException {
        Partition p = durableWithAFollower();
        Fetch follower = fetch(new FetchParams(2, 5000, 1, 1 << 20, FetchIsolation.LOG_END), p, 0, 1 << 20);
        assertEquals(0, follower.completions);
        append(p, 1);
        home.runPending();
        assertEquals(1, follower.completions, "woken by the append, before any fsync");
        assertFalse(follower.only().read().records().isEmpty());
    }

    @Test
    void aFetchFromABrokerThatIsNotAReplicaGetsKafkasAnswer() {
        Partition p = partitions.create("t", 0, shard, LogConfig.DEFAULTS, List.of(TestPartitions.NODE, 2), 1);
        Fetch withEpoch = new Fetch(new FetchParams(3, 5000, 1, 1 << 20, FetchIsolation.LOG_END),
                List.of(new DelayedFetch.PartitionFetch(p, 0, 100, 7)));
        home.execute(withEpoch::start);
        Fetch withoutEpoch = new Fetch(new FetchParams(3, 5000, 1, 1 << 20, FetchIsolation.LOG_END),
                List.of(new DelayedFetch.PartitionFetch(p, 0, 100, -1)));
        home.execute(withoutEpoch::start);
        Fetch itself = new Fetch(new FetchParams(TestPartitions.NODE, 5000, 1, 1 << 20, FetchIsolation.LOG_END),
                List.of(new DelayedFetch.PartitionFetch(p, 0, 100, -1)));
        home.execute(itself::start);
        home.runPending();
        SamsaException e = assertInstanceOf(SamsaException.class, withEpoch.only().error());
        assertEquals(ErrorCode.UNKNOWN_LEADER_EPOCH, e.errorCode());
        assertEquals("Replica 3 is not a replica of t-0 in leader epoch 7 (replicas [1, 2])", e.getMessage());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                assertInstanceOf(SamsaException.class, withoutEpoch.only().error()).errorCode());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                assertInstanceOf(SamsaException.class, itself.only().error()).errorCode());
        assertEquals(1, withEpoch.completions);
        assertEquals(0, p.liveWatcherCount(), "errors do not park");
    }

    @Test
    void readCommittedStopsAtTheLastStableOffsetAndListsAbortedTransactions() {
        Partition p = partitions.create("t", 0, shard);
        append(p, 2);
        ByteBuf txn = PartitionTest.batch(2, 42, 0, true);
        batches.add(txn);
        shard.execute(() -> p.appendAsLeader(txn, 1));
        shard.runPending();
        append(p, 1);
        Fetch f = fetch(new FetchParams(-1, 0, 1, 1 << 20, FetchIsolation.TXN_COMMITTED), p, 0, 1 << 20);
        assertEquals(2, f.only().read().lastStableOffset());
        assertNotNull(f.only().abortedTransactions());
        assertTrue(f.only().abortedTransactions().isEmpty());
        Fetch uncommitted = fetch(consumer(0, 1), p, 0, 1 << 20);
        assertNull(uncommitted.only().abortedTransactions(), "only READ_COMMITTED lists them");
    }

    @Test
    void isolationFollowsTheReplicaId() {
        assertEquals(FetchIsolation.LOG_END, FetchIsolation.of(0, true));
        assertEquals(FetchIsolation.HIGH_WATERMARK, FetchIsolation.of(-1, false));
        assertEquals(FetchIsolation.TXN_COMMITTED, FetchIsolation.of(-1, true));
        assertTrue(new FetchParams(0, 0, 0, 0, FetchIsolation.LOG_END).isFromFollower());
        assertFalse(new FetchParams(-1, 0, 0, 0, FetchIsolation.HIGH_WATERMARK).isFromFollower());
    }
}
