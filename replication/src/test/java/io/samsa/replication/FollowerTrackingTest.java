package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.common.ManualClock;
import io.samsa.log.EpochEndOffset;
import io.samsa.log.LogConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's side of replication on one partition led by node 1 with followers 2 and 3, on a hand-driven shard
 * and a manual clock, with a recording {@link AlterPartitionChannel}: the high watermark from the ISR, the maximal
 * ISR while a change is in flight, shrink after the lag time, expansion on catch-up, the controller's errors, one
 * change in flight, acks=all and min ISR, and KIP-320's diverging epoch.
 */
class FollowerTrackingTest {
    private static final int LEADER = 1;
    private static final long LAG_MS = 30_000;
    private static final UUID TOPIC_ID = new UUID(5, 6);

    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final ManualClock clock = new ManualClock(1_000_000);
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final QueueExecutor home = new QueueExecutor("home");
    private final Recording channel = new Recording();

    /** Records each proposed change; the test completes its future. */
    static final class Recording implements AlterPartitionChannel {
        final List<IsrChange> changes = new ArrayList<>();
        final List<CompletableFuture<PartitionState>> answers = new ArrayList<>();

        @Override
        public CompletableFuture<PartitionState> alterPartition(IsrChange change) {
            CompletableFuture<PartitionState> f = new CompletableFuture<>();
            changes.add(change);
            answers.add(f);
            return f;
        }

        IsrChange last() {
            return changes.get(changes.size() - 1);
        }

        CompletableFuture<PartitionState> lastAnswer() {
            return answers.get(answers.size() - 1);
        }
    }

    @BeforeEach
    void logs() throws IOException {
        partitions = new TestPartitions(dir);
    }

    @AfterEach
    void close() throws IOException {
        partitions.close();
    }

    private Partition partition(List<Integer> isr, int minIsr) {
        Partition p = new Partition("orders", 0, TOPIC_ID, partitions.logs().getOrCreate("orders", 0,
                LogConfig.DEFAULTS), LEADER, new PartitionState(LEADER, 7, isr, List.of(1, 2, 3), 3), minIsr, shard);
        p.leaderSettings(clock, channel, LAG_MS);
        return p;
    }

    private static void append(Partition p, int records) {
        ByteBuf b = PartitionTest.batch(records, -1, -1, false);
        try {
            p.appendAsLeader(b, 1);
        } finally {
            b.release();
        }
    }

    /** Follower {@code id} (broker epoch 100 + id) fetches from {@code offset}; the shard applies it. */
    private void fetch(Partition p, int id, long offset) {
        p.recordFollowerFetch(id, 100 + id, offset);
        shard.runPending();
    }

    private static long epochOf(AlterPartitionChannel.IsrChange c, int id) {
        return c.newIsr().stream().filter(m -> m.brokerId() == id).findFirst().orElseThrow().brokerEpoch();
    }

    @Test
    void theHighWatermarkIsTheSmallestLogEndOfTheIsrAndNeverGoesBack() {
        Partition p = partition(List.of(1, 2, 3), 1);
        append(p, 5);
        assertEquals(5, p.logEndOffset());
        assertEquals(0, p.highWatermark(), "no follower has fetched in this epoch");
        fetch(p, 2, 5);
        assertEquals(0, p.highWatermark(), "follower 3 has not fetched");
        fetch(p, 3, 3);
        assertEquals(3, p.highWatermark());
        fetch(p, 3, 5);
        assertEquals(5, p.highWatermark());
        fetch(p, 3, 2);
        assertEquals(5, p.highWatermark(), "never back");
        assertEquals(List.of(new Partition.ReplicaView(2, 5, clock.milliseconds(), clock.milliseconds(), 102),
                new Partition.ReplicaView(3, 2, clock.milliseconds(), clock.milliseconds(), 103)),
                p.followerStates());
        assertTrue(channel.changes.isEmpty(), "every replica is in the ISR");
    }

    @Test
    void aReplicaOutsideTheIsrDoesNotHoldTheHighWatermark() {
        Partition p = partition(List.of(1, 2), 1);
        append(p, 4);
        fetch(p, 2, 4);
        assertEquals(4, p.highWatermark(), "3 is not in the ISR");
    }

    @Test
    void theIsrShrinksAfterTheLagTimeAndTheHighWatermarkWaitsForTheMaximalIsr() {
        Partition p = partition(List.of(1, 2, 3), 1);
        append(p, 5);
        fetch(p, 2, 5);
        fetch(p, 3, 2);
        assertEquals(2, p.highWatermark());
        clock.advance(LAG_MS);
        fetch(p, 2, 5);
        p.maybeShrinkIsr();
        assertTrue(channel.changes.isEmpty(), "3 was caught up " + LAG_MS + " ms ago: not yet out");
        clock.advance(1);
        p.maybeShrinkIsr();
        assertEquals(1, channel.changes.size());
        AlterPartitionChannel.IsrChange c = channel.last();
        assertEquals(List.of(1, 2), c.brokerIds());
        assertEquals(7, c.leaderEpoch());
        assertEquals(3, c.partitionEpoch());
        assertEquals(TOPIC_ID, c.topicId());
        assertEquals(102, epochOf(c, 2));
        assertEquals(-1, epochOf(c, 1));
        assertTrue(p.isrChangePending());
        assertEquals(List.of(1, 2, 3), p.maximalIsr());
        p.maybeShrinkIsr();
        fetch(p, 2, 5);
        assertEquals(1, channel.changes.size(), "one change in flight");
        assertEquals(2, p.highWatermark(), "the maximal ISR still holds 3");

        channel.lastAnswer().complete(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 4));
        shard.runPending();
        assertFalse(p.isrChangePending());
        assertEquals(List.of(1, 2), p.state().isr());
        assertEquals(4, p.state().partitionEpoch());
        assertEquals(5, p.highWatermark());
        // Metadata older than the committed answer does not take the ISR back.
        p.update(new PartitionState(LEADER, 7, List.of(1, 2, 3), List.of(1, 2, 3), 3), 1);
        assertEquals(List.of(1, 2), p.state().isr());
    }

    @Test
    void theShardChecksTheIsrEveryHalfLagTimeWhileItLeadsWithFollowers() {
        Partition p = partition(List.of(1, 2), 1);
        shard.runPending();
        append(p, 1);
        clock.advance(LAG_MS + 1);
        shard.advance(LAG_MS / 2 - 1);
        assertTrue(channel.changes.isEmpty());
        shard.advance(1);
        assertEquals(List.of(1), channel.last().brokerIds());
        assertEquals(1, shard.timers(), "armed again");
        p.update(new PartitionState(2, 8, List.of(2), List.of(1, 2, 3), 5), 1);
        shard.advance(LAG_MS);
        assertEquals(0, shard.timers(), "a follower does not check");
    }

    @Test
    void withoutAControllerTheIsrStaysAsTheMetadataGivesIt() {
        Partition p = new Partition("orders", 0, TOPIC_ID, partitions.logs().getOrCreate("orders", 0,
                LogConfig.DEFAULTS), LEADER, new PartitionState(LEADER, 7, List.of(1), List.of(1, 2), 3), 1, shard);
        p.leaderSettings(clock, AlterPartitionChannel.UNAVAILABLE, LAG_MS);
        append(p, 2);
        fetch(p, 2, 2);
        assertFalse(p.isrChangePending());
        assertEquals(2, p.highWatermark());
    }

    @Test
    void anIdleFollowerAtTheLeadersLogEndStaysInTheIsr() {
        Partition p = partition(List.of(1, 2), 1);
        append(p, 3);
        fetch(p, 2, 3);
        clock.advance(10 * LAG_MS);
        p.maybeShrinkIsr();
        assertTrue(channel.changes.isEmpty());
    }

    @Test
    void aFollowerThatCatchesUpInThisEpochJoinsTheIsr() {
        Partition p = partition(List.of(1, 2), 1);
        append(p, 5);
        fetch(p, 2, 5);
        assertEquals(5, p.highWatermark());
        fetch(p, 3, 3);
        assertTrue(channel.changes.isEmpty(), "below the high watermark");
        fetch(p, 3, 5);
        assertEquals(1, channel.changes.size());
        assertEquals(List.of(1, 2, 3), channel.last().brokerIds());
        assertEquals(103, epochOf(channel.last(), 3));
        assertEquals(102, epochOf(channel.last(), 2));
        assertEquals(List.of(1, 2, 3), p.maximalIsr());
        append(p, 2);
        fetch(p, 2, 7);
        assertEquals(5, p.highWatermark(), "the member being added holds the high watermark");
        fetch(p, 3, 7);
        assertEquals(7, p.highWatermark());
        assertEquals(1, channel.changes.size());
        channel.lastAnswer().complete(new PartitionState(LEADER, 7, List.of(1, 2, 3), List.of(1, 2, 3), 4));
        shard.runPending();
        assertEquals(List.of(1, 2, 3), p.state().isr());
    }

    @Test
    void aFollowerMustFetchInTheCurrentLeaderEpochToJoin() {
        Partition p = partition(List.of(1, 2), 1);
        append(p, 5);
        fetch(p, 2, 3);
        assertEquals(3, p.highWatermark());
        // A new leader epoch starts at offset 5: a follower at 4 is above the high watermark but has not reached it.
        p.update(new PartitionState(LEADER, 8, List.of(1, 2), List.of(1, 2, 3), 4), 1);
        assertEquals(3, p.highWatermark());
        fetch(p, 3, 4);
        assertTrue(channel.changes.isEmpty());
        fetch(p, 3, 5);
        assertEquals(List.of(1, 2, 3), channel.last().brokerIds());
        assertEquals(8, channel.last().leaderEpoch());
        assertEquals(4, channel.last().partitionEpoch());
    }

    @Test
    void aStaleVersionWaitsForTheMetadata() {
        Partition p = partition(List.of(1, 2), 1);
        append(p, 2);
        fetch(p, 2, 2);
        fetch(p, 3, 2);
        channel.lastAnswer().completeExceptionally(new SamsaException(ErrorCode.INVALID_UPDATE_VERSION, "stale"));
        shard.runPending();
        shard.advance(60_000);
        fetch(p, 3, 2);
        assertEquals(1, channel.changes.size(), "nothing is proposed before the metadata comes");
        assertTrue(p.isrChangePending());
        p.update(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 5), 1);
        assertFalse(p.isrChangePending());
        fetch(p, 3, 2);
        assertEquals(2, channel.changes.size());
        assertEquals(5, channel.last().partitionEpoch());
    }

    @Test
    void aTransportErrorIsRetriedWithBackoffAndAFencedLeaderStops() {
        Partition p = partition(List.of(1, 2), 1);
        fetch(p, 2, 0);
        fetch(p, 3, 0);
        assertEquals(1, channel.changes.size());
        channel.lastAnswer().completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "timeout"));
        shard.runPending();
        shard.advance(Partition.ALTER_PARTITION_RETRY_BACKOFF_MS - 1);
        assertEquals(1, channel.changes.size());
        shard.advance(1);
        assertEquals(2, channel.changes.size(), "the same change again");
        assertEquals(channel.changes.get(0), channel.changes.get(1));
        channel.lastAnswer().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "moved"));
        shard.runPending();
        shard.advance(2 * Partition.ALTER_PARTITION_RETRY_BACKOFF_MS - 1);
        assertEquals(2, channel.changes.size(), "the backoff doubles");
        shard.advance(1);
        assertEquals(3, channel.changes.size());
        channel.lastAnswer().completeExceptionally(new SamsaException(ErrorCode.FENCED_LEADER_EPOCH, "fenced"));
        shard.runPending();
        shard.advance(60_000);
        fetch(p, 3, 0);
        assertEquals(3, channel.changes.size(), "a fenced leader proposes nothing more");
        p.update(new PartitionState(2, 8, List.of(1, 2), List.of(1, 2, 3), 5), 1);
        assertFalse(p.isrChangePending());
        assertTrue(p.followerStates().isEmpty(), "a follower tracks no one");
    }

    @Test
    void anIneligibleReplicaIsNotProposedAgainAtOnce() {
        Partition p = partition(List.of(1, 2), 1);
        fetch(p, 2, 0);
        fetch(p, 3, 0);
        channel.lastAnswer().completeExceptionally(new SamsaException(ErrorCode.INELIGIBLE_REPLICA, "fenced"));
        shard.runPending();
        assertFalse(p.isrChangePending(), "back to the committed ISR");
        fetch(p, 3, 0);
        assertEquals(1, channel.changes.size());
        clock.advance(Partition.ALTER_PARTITION_RETRY_BACKOFF_MAX_MS);
        fetch(p, 3, 0);
        assertEquals(2, channel.changes.size());
    }

    /**
     * KIP-841: a caught-up follower whose broker the metadata shows fenced or in controlled shutdown (or registered
     * in another epoch than its fetches name) is left out of the expansion, so the controller is not asked to refuse
     * it; once the metadata shows it eligible, its next fetch proposes it.
     */
    @Test
    void aFollowerTheMetadataShowsIneligibleIsProposedOnlyOnceItIsEligible() {
        Map<Integer, Long> eligible = new HashMap<>();
        Partition p = partition(List.of(1, 2), 1);
        p.leaderSettings(clock, channel, LAG_MS, (id, epoch) -> eligible.containsKey(id)
                && (epoch == -1 || eligible.get(id) == epoch));
        append(p, 5);
        fetch(p, 2, 5);
        fetch(p, 3, 5);
        assertTrue(channel.changes.isEmpty(), "broker 3 is fenced or shutting down: not proposed");
        assertFalse(p.isrChangePending());
        assertEquals(List.of(1, 2), p.maximalIsr());
        eligible.put(3, 99L);
        fetch(p, 3, 5);
        assertTrue(channel.changes.isEmpty(), "registered again in epoch 99: a fetch in epoch 103 is stale");
        eligible.put(3, 103L);
        fetch(p, 3, 5);
        assertEquals(1, channel.changes.size(), "eligible again: proposed at its next fetch");
        assertEquals(List.of(1, 2, 3), channel.last().brokerIds());
        assertEquals(103, epochOf(channel.last(), 3));
    }

    @Test
    void aNewLeaderEpochResetsTheFollowers() {
        Partition p = partition(List.of(1, 2, 3), 1);
        append(p, 4);
        fetch(p, 2, 4);
        fetch(p, 3, 4);
        assertEquals(4, p.highWatermark());
        p.update(new PartitionState(LEADER, 9, List.of(1, 2, 3), List.of(1, 2, 3), 6), 1);
        long now = clock.milliseconds();
        assertEquals(List.of(new Partition.ReplicaView(2, -1, 0, now, -1), new Partition.ReplicaView(3, -1, 0, now, -1)),
                p.followerStates());
        append(p, 1);
        assertEquals(4, p.highWatermark());
    }

    @Test
    void acksAllCompletesWhenTheIsrHasTheBatchAndChecksMinIsrAfterTheAppend() {
        Partition p = partition(List.of(1, 2), 2);
        Produce ok = started(p);
        assertEquals(0, ok.completions, "waits for follower 2");
        fetch(p, 2, 1);
        QueueExecutor.runAll(home, shard);
        assertEquals(1, ok.completions);
        assertNull(ok.appends().get(0).error());
        assertTrue(ok.appends().get(0).committed());

        Produce shrunk = started(p);
        assertEquals(0, shrunk.completions);
        // The high watermark passes the batch, then the ISR loses follower 2 before the produce sees it (Kafka's
        // check when the high watermark passed: the batch is committed, but fewer replicas than asked hold it now).
        fetch(p, 2, 2);
        assertEquals(2, p.highWatermark());
        p.update(new PartitionState(LEADER, 7, List.of(1), List.of(1, 2, 3), 4), 2);
        QueueExecutor.runAll(home, shard);
        assertEquals(1, shrunk.completions);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                assertInstanceOf(SamsaException.class, shrunk.appends().get(0).error()).errorCode());
    }

    @Test
    void belowMinIsrTheHighWatermarkStandsStillForEveryAcksUntilTheIsrIsCommittedAgain() throws IOException {
        Partition p = partition(List.of(1, 2, 3), 2);
        append(p, 3);
        fetch(p, 2, 3);
        fetch(p, 3, 3);
        assertEquals(3, p.highWatermark());
        assertFalse(p.isUnderMinIsr());

        // A shrink in flight still counts the members it removes: the committed ISR is not below min ISR yet.
        clock.advance(LAG_MS + 1);
        append(p, 2);
        p.maybeShrinkIsr();
        assertEquals(List.of(1), channel.last().brokerIds(), "2 and 3 lag");
        fetch(p, 2, 5);
        fetch(p, 3, 5);
        assertEquals(5, p.highWatermark(), "the committed ISR {1, 2, 3} holds min ISR");
        channel.lastAnswer().complete(new PartitionState(LEADER, 7, List.of(1), List.of(1, 2, 3), 4));
        shard.runPending();
        assertTrue(p.isUnderMinIsr());

        // KIP-966 strict min ISR: the leader alone appends acks=1 records, but nothing below min ISR commits them,
        // not even a follower that already holds them.
        append(p, 4);
        assertEquals(9, p.logEndOffset());
        assertEquals(5, p.highWatermark());
        PartitionRead consumer = p.read(5, 1 << 20, false, true);
        assertEquals(0, consumer.records().length(), "a consumer sees nothing past offset 5");
        assertEquals(5, consumer.highWatermark());
        consumer.records().release();
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS,
                assertInstanceOf(SamsaException.class, appendAllError(p)).errorCode());

        // Follower 2 reaches the standing high watermark and is proposed; the pending member does not count yet.
        fetch(p, 2, 7);
        assertEquals(List.of(1, 2), channel.last().brokerIds());
        assertEquals(List.of(1, 2), p.maximalIsr());
        assertEquals(5, p.highWatermark(), "an expansion in flight does not lift the rule");
        channel.lastAnswer().complete(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 5));
        shard.runPending();
        assertFalse(p.isUnderMinIsr());
        assertEquals(7, p.highWatermark(), "committed: the smallest log end of {1, 2}");
        fetch(p, 2, 9);
        assertEquals(9, p.highWatermark());
        PartitionRead all = p.read(5, 1 << 20, false, true);
        assertEquals(List.of("5:v0", "6:v1", "7:v2", "8:v3"), PartitionTest.values(all));
    }

    @Test
    void anAcksAllProduceWaitsWhileTheIsrIsBelowMinIsrAndCompletesOnceItGrowsBack() {
        Partition p = partition(List.of(1, 2), 2);
        Produce waiting = started(p);
        p.update(new PartitionState(LEADER, 7, List.of(1), List.of(1, 2, 3), 4), 2);
        fetch(p, 2, 1);
        QueueExecutor.runAll(home, shard);
        assertEquals(0, p.highWatermark(), "follower 2 holds the batch, but the ISR is {1}");
        assertEquals(0, waiting.completions, "neither committed nor NOT_ENOUGH_REPLICAS_AFTER_APPEND: it waits");
        assertEquals(List.of(1, 2), channel.last().brokerIds(), "2 is at the high watermark: proposed again");
        channel.lastAnswer().complete(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 5));
        QueueExecutor.runAll(home, shard);
        assertEquals(1, p.highWatermark());
        assertEquals(1, waiting.completions);
        assertNull(waiting.appends().get(0).error());
        assertTrue(waiting.appends().get(0).committed());
    }

    @Test
    void theMinIsrRuleFollowsAChangeOfMinInsyncReplicas() {
        Partition p = partition(List.of(1, 2, 3), 3);
        append(p, 2);
        fetch(p, 2, 2);
        p.update(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 4), 3);
        assertEquals(0, p.highWatermark());
        assertTrue(p.isUnderMinIsr());
        p.update(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 4), 2);
        assertEquals(2, p.highWatermark(), "min.insync.replicas lowered to 2");
        p.update(new PartitionState(LEADER, 7, List.of(1, 2), List.of(1, 2, 3), 4), 5);
        assertEquals(3, p.effectiveMinInsyncReplicas(), "never more than the replicas");
    }

    private static Throwable appendAllError(Partition p) {
        ByteBuf b = PartitionTest.batch(1, -1, -1, false);
        try {
            p.appendAsLeader(b, -1);
            return null;
        } catch (SamsaException e) {
            return e;
        } finally {
            b.release();
        }
    }

    @Test
    void aFetchWhoseLastEpochDivergedGetsTheEpochToTruncateTo() {
        Partition p = partition(List.of(1), 1);
        append(p, 5);
        p.update(new PartitionState(LEADER, 9, List.of(1), List.of(1, 2, 3), 4), 1);
        append(p, 3);
        assertNull(p.divergingEpoch(5, 7), "epoch 7 ends at 5");
        assertNull(p.divergingEpoch(3, 7));
        assertNull(p.divergingEpoch(8, 9));
        assertNull(p.divergingEpoch(6, -1), "no last fetched epoch");
        assertEquals(new EpochEndOffset(7, 5), p.divergingEpoch(6, 7), "the follower's epoch 7 went past 5");
        assertEquals(new EpochEndOffset(7, 5), p.divergingEpoch(6, 8), "epoch 8 is unknown here");

        Fetch f = new Fetch(p, 6, 7);
        home.execute(f::start);
        QueueExecutor.runAll(home, shard);
        assertEquals(1, f.completions, "answered at once");
        DelayedFetch.PartitionFetch pf = f.partitions().get(0);
        assertEquals(new EpochEndOffset(7, 5), pf.divergingEpoch());
        assertNull(pf.error());
        assertEquals(0, pf.read().records().length());
        assertEquals(8, pf.read().logEndOffset());
        assertEquals(-1, p.followerStates().get(0).logEndOffset(), "a diverging fetch is not recorded");

        Fetch consistent = new Fetch(p, 5, 7);
        home.execute(consistent::start);
        QueueExecutor.runAll(home, shard);
        assertNull(consistent.partitions().get(0).divergingEpoch());
        assertTrue(consistent.partitions().get(0).read().records().length() > 0);
        consistent.partitions().get(0).read().records().release();
        assertEquals(5, p.followerStates().get(0).logEndOffset());
        assertEquals(102, p.followerStates().get(0).brokerEpoch());
    }

    /** A one-record acks=all produce to {@code p}, started and run as far as it goes. */
    private Produce started(Partition p) {
        Produce op = new Produce(p);
        home.execute(op::start);
        QueueExecutor.runAll(home, shard);
        return op;
    }

    /** A one-record acks=all produce on the home executor. */
    private final class Produce extends DelayedProduce<DelayedProduce.Append> {
        int completions;

        Produce(Partition p) {
            super(home, new ShardProxy(List.of(shard)), -1, 10_000, 1);
            ByteBuf b = PartitionTest.batch(1, -1, -1, false);
            add(new Append(p, b) {
                @Override
                protected void runOnShard() {
                    try {
                        super.runOnShard();
                    } finally {
                        b.release();
                    }
                }
            });
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            completions++;
        }
    }

    /** Follower 2's fetch (broker epoch 102) of one partition. */
    private final class Fetch extends DelayedFetch<DelayedFetch.PartitionFetch> {
        int completions;

        Fetch(Partition p, long offset, int lastFetchedEpoch) {
            super(home, new FetchParams(2, 102, 500, 1, 1 << 20, FetchIsolation.LOG_END),
                    List.of(new DelayedFetch.PartitionFetch(p, offset, 1 << 20, 9, lastFetchedEpoch)));
        }

        @Override
        protected void onFetchComplete(boolean expired) {
            completions++;
        }
    }
}
