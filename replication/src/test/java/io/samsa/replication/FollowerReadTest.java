package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.samsa.common.ManualClock;
import io.samsa.log.LogConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-392 on one partition: a follower serves a consumer up to its own high watermark (nothing between that and its
 * log end, OFFSET_OUT_OF_RANGE past its log end, nothing for a leader-only fetch) and counts what it served; a leader
 * offers as read replicas only in-sync followers whose log reaches the fetch offset.
 */
class FollowerReadTest {
    private static final UUID TOPIC_ID = new UUID(7, 8);

    @TempDir
    Path dir;
    private TestPartitions partitions;
    private final QueueExecutor shard = new QueueExecutor("shard");
    private final ManualClock clock = new ManualClock(5_000);

    @BeforeEach
    void logs() throws IOException {
        partitions = new TestPartitions(dir);
    }

    @AfterEach
    void close() throws IOException {
        partitions.close();
    }

    private Partition partition(PartitionState state) {
        Partition p = new Partition("reads", 0, TOPIC_ID, partitions.logs().getOrCreate("reads", 0,
                LogConfig.DEFAULTS), TestPartitions.NODE, state, 1, shard);
        p.leaderSettings(clock, AlterPartitionChannel.UNAVAILABLE, 30_000);
        shard.runPending();
        return p;
    }

    private static int appendAsFollower(Partition p, int records, long base) {
        ByteBuf b = SimBatches.rewritten(PartitionTest.batch(records, -1, -1, false), base, 7);
        try {
            int size = b.readableBytes();
            p.appendAsFollower(b);
            return size;
        } finally {
            b.release();
        }
    }

    @Test
    void aFollowerServesConsumersUpToItsHighWatermark() {
        // Node 1 follows node 2 in epoch 7.
        Partition p = partition(new PartitionState(2, 7, List.of(1, 2), List.of(1, 2), 1));
        int first = appendAsFollower(p, 3, 0);
        appendAsFollower(p, 2, 3);
        p.updateFromLeader(3, 0);
        assertEquals(5, p.logEndOffset());
        assertEquals(3, p.highWatermark());
        assertTrue(p.canServe(false));
        assertFalse(p.canServe(true));

        PartitionRead r = p.read(0, 1 << 20, FetchIsolation.HIGH_WATERMARK, true, false);
        try {
            assertEquals(first, r.records().length(), "the first batch only: the second ends past the high watermark");
            assertEquals(3, r.highWatermark());
            assertEquals(5, r.logEndOffset());
        } finally {
            r.records().release();
        }
        PartitionRead between = p.read(3, 1 << 20, FetchIsolation.HIGH_WATERMARK, true, false);
        assertTrue(between.records().isEmpty(), "between the high watermark and the log end: nothing yet");
        between.records().release();
        SamsaException past = assertThrows(SamsaException.class,
                () -> p.read(6, 1 << 20, FetchIsolation.HIGH_WATERMARK, true, false));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, past.errorCode());
        SamsaException leaderOnly = assertThrows(SamsaException.class,
                () -> p.read(0, 1 << 20, FetchIsolation.HIGH_WATERMARK, true, true));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderOnly.errorCode());
        assertEquals(2, p.followerReads());
    }

    @Test
    void aReplicaThatNeitherLeadsNorFollowsServesNoOne() {
        Partition p = partition(new PartitionState(-1, 7, List.of(2), List.of(1, 2), 1));
        assertFalse(p.canServe(false));
        SamsaException e = assertThrows(SamsaException.class,
                () -> p.read(0, 1 << 20, FetchIsolation.HIGH_WATERMARK, true, false));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, e.errorCode());
    }

    @Test
    void theLeaderOffersInSyncFollowersWhoseLogReachesTheFetchOffset() {
        Partition p = partition(new PartitionState(1, 7, List.of(1, 2, 3), List.of(1, 2, 3, 4), 1));
        ByteBuf b = PartitionTest.batch(6, -1, -1, false);
        try {
            p.appendAsLeader(b, 1);
        } finally {
            b.release();
        }
        p.recordFollowerFetch(2, 6);
        clock.advance(10);
        p.recordFollowerFetch(3, 4);
        p.recordFollowerFetch(4, 6);
        shard.runPending();
        assertEquals(List.of(2, 3), p.readReplicaCandidates(4).stream().map(Partition.ReplicaView::brokerId).toList(),
                "4 is not in the ISR");
        assertEquals(List.of(2), p.readReplicaCandidates(5).stream().map(Partition.ReplicaView::brokerId).toList());
        assertEquals(6, p.readReplicaCandidates(5).get(0).logEndOffset());
        p.update(new PartitionState(2, 8, List.of(1, 2, 3), List.of(1, 2, 3, 4), 2), 1);
        assertTrue(p.readReplicaCandidates(0).isEmpty(), "a follower offers nothing");
    }
    @Test
    void aNewLeaderDoesNotKnowItsHighWatermarkUntilItPassesTheEpochStart() {
        Partition p = partition(new PartitionState(2, 7, List.of(1, 2), List.of(1, 2), 1));
        appendAsFollower(p, 5, 0);
        p.updateFromLeader(3, 0);
        assertFalse(p.highWatermarkBehindEpochStart(), "a follower");
        p.update(new PartitionState(1, 8, List.of(1, 2), List.of(1, 2), 2), 1);
        assertEquals(3, p.highWatermark());
        assertTrue(p.highWatermarkBehindEpochStart(), "elected at log end 5 with the high watermark at 3");
        p.recordFollowerFetch(2, 5);
        shard.runPending();
        assertEquals(5, p.highWatermark());
        assertFalse(p.highWatermarkBehindEpochStart());
    }
}
