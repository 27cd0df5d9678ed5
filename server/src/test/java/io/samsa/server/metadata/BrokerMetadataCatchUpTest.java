package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.record.TopicRecord;
import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.QuorumInfo;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.raft.SnapshotId;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * A restarted broker acts on the metadata only once it holds what the quorum had committed: its replica of the log
 * hands over what it has at once, but the leader's high watermark, which it hears a little later, may lie past it
 * (records its copy lacked, or had not seen committed). Acting on the shorter image once set aside the logs of every
 * topic created after it: a broker lost the data of its partitions at each restart.
 */
class BrokerMetadataCatchUpTest {
    private static final UUID EARLY = UUID.nameUUIDFromBytes("early".getBytes());
    private static final UUID LATE = UUID.nameUUIDFromBytes("late".getBytes());

    @Test
    void startWaitsForTheLeadersHighWatermarkNotJustTheLocalLog() throws Exception {
        FollowerLog raft = new FollowerLog();
        CompletableFuture<BrokerMetadata> started = CompletableFuture.supplyAsync(() -> {
            try {
                return BrokerMetadata.start(1, raft, null);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(raft.registered.await(10, TimeUnit.SECONDS));
        RaftClient.Listener<Message> l = raft.listener;
        // What this replica's own log holds when it starts, and the leader it remembers.
        l.handleCommit(batch(0, new TopicRecord().setName("early").setTopicId(EARLY)));
        l.handlePosition(1);
        l.handleLeaderChange(new LeaderAndEpoch(2, 5));
        assertThrows(TimeoutException.class, () -> started.get(300, TimeUnit.MILLISECONDS),
                "no leader heard from yet: the log may lack committed records");

        // The leader answers: committed up to 3. The record at 1 arrives; the one at 2 is a control record.
        raft.leaderHighWatermark = 3;
        l.handleCommit(batch(1, new TopicRecord().setName("late").setTopicId(LATE)));
        l.handlePosition(2);
        assertThrows(TimeoutException.class, () -> started.get(300, TimeUnit.MILLISECONDS),
                "offset 2 is not handed over yet");
        l.handlePosition(3);

        try (BrokerMetadata metadata = started.get(10, TimeUnit.SECONDS)) {
            assertNotNull(metadata.loadedImage().topic("early"));
            assertNotNull(metadata.loadedImage().topic("late"), "the image covers the leader's high watermark");
            assertNull(metadata.loadedImage().topic("never"));
        }
    }

    @Test
    void aLeaderThatHasNotCommittedInItsEpochIsNotCaughtUpEither() throws Exception {
        FollowerLog raft = new FollowerLog();
        CompletableFuture<BrokerMetadata> started = CompletableFuture.supplyAsync(() -> {
            try {
                return BrokerMetadata.start(1, raft, null);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(raft.registered.await(10, TimeUnit.SECONDS));
        raft.listener.handlePosition(0);
        raft.listener.handleLeaderChange(new LeaderAndEpoch(1, 7));
        assertThrows(TimeoutException.class, () -> started.get(300, TimeUnit.MILLISECONDS));
        assertFalse(started.isDone());
        raft.leaderHighWatermark = 0;
        started.get(10, TimeUnit.SECONDS).close();
    }

    private static Batch<Message> batch(long offset, Message record) {
        return new Batch<>(offset, 5, 0, 100, List.of(record));
    }

    /** A replica of the log driven by the test: it hands over what the test says, when the test says. */
    private static final class FollowerLog implements RaftClient<Message> {
        final CountDownLatch registered = new CountDownLatch(1);
        volatile Listener<Message> listener;
        volatile long leaderHighWatermark = -1;

        @Override
        public void register(Listener<Message> l) {
            listener = l;
            registered.countDown();
        }

        @Override
        public void unregister(Listener<Message> l) {
        }

        @Override
        public LeaderAndEpoch leaderAndEpoch() {
            return new LeaderAndEpoch(2, 5);
        }

        @Override
        public long highWatermark() {
            return 0;
        }

        @Override
        public long leaderHighWatermark() {
            return leaderHighWatermark;
        }

        @Override
        public long append(int epoch, List<Message> records) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long append(int epoch, LongFunction<List<Message>> recordsAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<SnapshotId> createSnapshot(Snapshot<Message> snapshot) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SnapshotId latestSnapshot() {
            return null;
        }

        @Override
        public CompletableFuture<QuorumInfo> describeQuorum() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }
}
