package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.log.LogManager;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.RemoveTopicRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.partition.HostingPublisher;
import io.samsa.server.partition.TopicConfigResolver;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The group coordinator following leadership of {@code __consumer_offsets} through the broker's metadata path: each
 * image is hosted by {@link HostingPublisher} on a {@link ReplicaManager} and then told to
 * {@link CoordinatorLeadership}, as the broker's metadata loader does, with the real {@link PartitionCoordinatorIo}
 * on a simulated disk. Every thread (shard, hosting, flusher, coordinator, loader) is a {@link SimExecutor} of one
 * {@link SimScheduler}, so the interleavings are drawn from a seed and replayed exactly. Checks: a partition loads
 * when this broker becomes its leader (COORDINATOR_LOAD_IN_PROGRESS meanwhile), unloads when it becomes a follower or
 * the topic goes (NOT_COORDINATOR; parked requests answered, timers stopped), reloads in a newer epoch, and an unload
 * racing a load never leaves a loaded partition behind; the transaction coordinator on {@code __transaction_state}
 * the same way.
 */
class CoordinatorLeadershipTest {
    private static final int NODE = 1;
    private static final int OTHER = 2;
    private static final String TOPIC = GroupCoordinator.TOPIC;
    private static final UUID OFFSETS_ID = new UUID(7, 7);
    private static final UUID ORDERS_ID = new UUID(8, 8);
    private static final String TXN_TOPIC = TransactionCoordinator.TOPIC;
    private static final UUID TXN_ID = new UUID(9, 9);
    private static final long T0 = 1_000_000L;

    /** One broker's partition hosting and group coordinator on simulated threads. */
    private static final class Broker {
        final SimScheduler sim;
        final SimExecutor coordinatorThread;
        final HostingPublisher hosting;
        final ReplicaManager replicas;
        final GroupCoordinator groups;
        final CoordinatorLeadership leadership;
        final TransactionCoordinator transactions;
        final CoordinatorLeadership txnLeadership;
        final Map<Integer, Integer> loads = new HashMap<>();
        MetadataImage image = MetadataImage.EMPTY;

        Broker(long seed) throws Exception {
            Random random = new Random(seed);
            sim = new SimScheduler(random, T0);
            SimDisk disk = new SimDisk(random, sim.clock());
            BrokerConfig config = BrokerConfig.from(Map.of("log.dirs", "/data", "listeners",
                    "PLAINTEXT://127.0.0.1:0", "node.id", Integer.toString(NODE)));
            TopicConfigResolver topicConfigs = new TopicConfigResolver(config);
            LogManager logs = LogManager.builder(Path.of("/data")).disk(disk).clock(sim.clock())
                    .scheduler(sim.executor("deleter")).flusherExecutors(sim.executor("flusher"),
                            sim.executor("flusher-timer")).configs(t -> topicConfigs.logConfig(image, t)).build();
            replicas = new ReplicaManager(NODE, logs, new ShardProxy(List.of(sim.executor("shard"))),
                    sim.executor("hosting"), 300_000);
            replicas.start();
            hosting = new HostingPublisher(replicas, topicConfigs);
            PartitionCoordinatorIo io = new PartitionCoordinatorIo(TOPIC, replicas, sim.clock(),
                    sim.executor("loader"), UnpooledByteBufAllocator.DEFAULT);
            CoordinatorLoader counted = (partition, sink) -> {
                loads.merge(partition, 1, Integer::sum);
                return io.load(partition, sink);
            };
            coordinatorThread = sim.executor("coordinator");
            groups = new GroupCoordinator(GroupCoordinatorConfig.fromMap(Map.of("offsets.topic.num.partitions", "2",
                    "group.initial.rebalance.delay.ms", "3000")), sim.clock(), coordinatorThread, coordinatorThread,
                    io, counted, new ImageTopicMetadata(() -> image));
            leadership = new CoordinatorLeadership(NODE, TOPIC, "group-coordinator", groups::onElection,
                    groups::onResignation);
            PartitionCoordinatorIo txnIo = new PartitionCoordinatorIo(TXN_TOPIC, replicas, sim.clock(),
                    sim.executor("txn-loader"), UnpooledByteBufAllocator.DEFAULT);
            SimExecutor txnThread = sim.executor("transaction-coordinator");
            long[] nextId = {1000};
            transactions = new TransactionCoordinator(TransactionCoordinatorConfig.fromMap(Map.of(
                    "transaction.state.log.num.partitions", "1")), sim.clock(), txnThread, txnThread, txnIo, txnIo,
                    () -> CompletableFuture.completedFuture(nextId[0]++), markers -> markers.partitions().stream()
                            .map(tp -> CompletableFuture.completedFuture(ErrorCode.NONE)).toList(), () -> 2);
            txnLeadership = new CoordinatorLeadership(NODE, TXN_TOPIC, "transaction-coordinator",
                    transactions::onElection, transactions::onResignation);
        }

        /**
         * Commits {@code records} to the metadata as the broker applies them: hosting first (waiting until every
         * shard applied it), then the coordinator's leadership; the coordinator's own work is not run yet.
         */
        void publish(List<Message> records) {
            MetadataDelta delta = new MetadataDelta(image);
            delta.replay(records, image.offset() + 1, 1);
            MetadataImage next = delta.apply();
            CompletableFuture<Void> hosted = hosting.onMetadataUpdate(delta, next);
            sim.runUntil(hosted::isDone);
            hosted.join();
            image = next;
            leadership.onMetadataUpdate(delta, next);
            txnLeadership.onMetadataUpdate(delta, next);
        }

        /** InitProducerId v3 of {@code transactionalId}: its error, producer id and epoch. */
        List<Long> initProducerId(String transactionalId) {
            InitProducerIdResponse r = await(transactions.initProducerId(RequestMeta.of(3), new InitProducerIdRequest()
                    .setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000).setProducerId(-1)
                    .setProducerEpoch((short) -1)));
            return List.of((long) r.errorCode(), r.producerId(), (long) r.producerEpoch());
        }

        /** Lets every thread run for a second of simulated time (loads finish, nothing is asked meanwhile). */
        void settle() {
            sim.runFor(1_000);
        }

        <T> T await(CompletableFuture<T> f) {
            sim.runUntil(f::isDone);
            return f.join();
        }

        boolean active(int partition) {
            return await(groups.isActive(partition));
        }

        short commit(String group, long offset) {
            OffsetCommitRequest req = new OffsetCommitRequest().setGroupId(group).setMemberId("")
                    .setGenerationIdOrMemberEpoch(-1);
            req.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName("orders").setPartitions(
                    new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                            .setPartitionIndex(0).setCommittedOffset(offset)))));
            OffsetCommitResponse r = await(groups.commitOffsets(RequestMeta.of(8), req));
            return r.topics().get(0).partitions().get(0).errorCode();
        }

        /** OffsetFetch v8 of orders-0: the group's error, else the committed offset (-1: none). */
        long committed(String group) {
            OffsetFetchRequest req = new OffsetFetchRequest();
            req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group).setTopics(
                    new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics().setName("orders")
                            .setPartitionIndexes(new ArrayList<>(List.of(0)))))));
            OffsetFetchResponse r = await(groups.fetchOffsets(RequestMeta.of(8), req));
            OffsetFetchResponse.OffsetFetchResponseGroup g = r.groups().get(0);
            assertEquals(ErrorCode.NONE.code(), g.errorCode(), "OffsetFetch of " + group);
            return g.topics().get(0).partitions().get(0).committedOffset();
        }
    }

    /** A group id whose __consumer_offsets partition (of 2) is {@code partition}. */
    private static String groupOn(int partition) {
        for (int i = 0; ; i++) {
            String g = "group-" + i;
            if (GroupCoordinator.partitionFor(g, 2) == partition) {
                return g;
            }
        }
    }

    private static final String G0 = groupOn(0);
    private static final String G1 = groupOn(1);

    /** The cluster, with __consumer_offsets-0 and -1 led by {@code leader0} and {@code leader1} in epoch 0. */
    private static List<Message> cluster(int leader0, int leader1) {
        List<Message> out = new ArrayList<>();
        out.add(new ClusterIdRecord().setClusterId("c"));
        out.add(new TopicRecord().setName("orders").setTopicId(ORDERS_ID));
        out.add(partition(ORDERS_ID, 0, NODE));
        out.add(new TopicRecord().setName(TOPIC).setTopicId(OFFSETS_ID));
        out.add(MetadataImage.configRecord(ConfigResource.Type.TOPIC, TOPIC, "cleanup.policy", "compact"));
        out.add(partition(OFFSETS_ID, 0, leader0));
        out.add(partition(OFFSETS_ID, 1, leader1));
        out.add(new TopicRecord().setName(TXN_TOPIC).setTopicId(TXN_ID));
        out.add(MetadataImage.configRecord(ConfigResource.Type.TOPIC, TXN_TOPIC, "cleanup.policy", "compact"));
        out.add(partition(TXN_ID, 0, leader0));
        return out;
    }

    private static PartitionRecord partition(UUID topicId, int index, int leader) {
        return new PartitionRecord().setTopicId(topicId).setPartitionId(index).setReplicas(List.of(NODE, OTHER))
                .setIsr(List.of(leader)).setLeader(leader).setLeaderEpoch(0).setPartitionEpoch(0);
    }

    /** Moves {@code __consumer_offsets-index} to {@code leader} (the leader epoch goes up by one). */
    private static PartitionChangeRecord moveTo(int index, int leader) {
        return move(OFFSETS_ID, index, leader);
    }

    private static PartitionChangeRecord move(UUID topicId, int index, int leader) {
        return new PartitionChangeRecord().setTopicId(topicId).setPartitionId(index).setLeader(leader)
                .setIsr(List.of(leader));
    }

    @Test
    void loadsWhenLeaderAnsweringLoadInProgressMeanwhile() throws Exception {
        Broker b = new Broker(1);
        b.publish(cluster(NODE, OTHER));
        // Asked before the load ran: the partition is known here but not loaded yet.
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), b.commit(G0, 5));
        b.settle();
        assertEquals(ErrorCode.NONE.code(), b.commit(G0, 5));
        assertEquals(5, b.committed(G0));
        // The other partition is led by another broker: never loaded here.
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.commit(G1, 5));
        assertEquals(Map.of(0, 1), b.loads);
        assertEquals(Map.of(0, 0), b.leadership.led());
    }

    @Test
    void unloadsWhenFollowerAnsweringParkedRequestsAndReloadsInANewerEpoch() throws Exception {
        Broker b = new Broker(2);
        b.publish(cluster(NODE, NODE));
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), b.commit(G0, 5));
        b.settle();
        assertEquals(ErrorCode.NONE.code(), b.commit(G0, 5));
        assertEquals(ErrorCode.NONE.code(), b.commit(G1, 9));
        // A classic member joins and waits for group.initial.rebalance.delay.ms (a timer of the partition).
        JoinGroupRequest join = new JoinGroupRequest().setGroupId(G0).setMemberId("").setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(20_000).setProtocolType("consumer").setProtocols(new ArrayList<>(List.of(
                        new JoinGroupRequest.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]))));
        CompletableFuture<JoinGroupResponse> parked = b.groups.joinGroup(RequestMeta.of(3), join);
        b.sim.runFor(100);
        assertFalse(parked.isDone(), "the join waits for the initial rebalance delay");

        b.publish(List.of(moveTo(0, OTHER)));
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.await(parked).errorCode(),
                "a parked request is answered when its partition unloads");
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.commit(G0, 6));
        assertFalse(b.active(0));
        // The partition still led here is untouched.
        assertEquals(9, b.committed(G1));
        long before = b.sim.nowMillis();
        b.sim.runFor(10_000);
        assertTrue(b.sim.nowMillis() >= before + 10_000);
        assertFalse(b.active(0), "no timer of the unloaded partition brings it back");

        // Leader again, in epoch 2: loaded again from the log (the commit made in epoch 0 is there).
        b.publish(List.of(moveTo(0, NODE)));
        b.settle();
        assertEquals(5, b.committed(G0));
        assertEquals(ErrorCode.NONE.code(), b.commit(G0, 7));
        assertEquals(Map.of(0, 2, 1, 1), b.loads);
        assertEquals(Map.of(0, 2, 1, 0), b.leadership.led());

        // An image that skips the intermediate states (another leader in between, then this broker again, epoch
        // 4): the partition is reloaded, since its log may have changed under the other leader.
        b.publish(List.of(moveTo(0, OTHER), moveTo(0, NODE)));
        b.settle();
        assertEquals(7, b.committed(G0));
        assertEquals(Map.of(0, 3, 1, 1), b.loads);
        assertEquals(4, (int) b.leadership.led().get(0));
    }

    @Test
    void anUnloadRacingALoadNeverLeavesItLoaded() throws Exception {
        for (long seed = 0; seed < 20; seed++) {
            Broker b = new Broker(seed);
            b.publish(cluster(NODE, OTHER));
            assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), b.commit(G0, 3), "seed " + seed);
            b.settle();
            assertEquals(ErrorCode.NONE.code(), b.commit(G0, 3), "seed " + seed);
            // Leader in epoch 2 and, before the load can finish, a follower in epoch 3: the seed decides how far
            // the load got (not started, reading, read and waiting to apply) when the unload comes.
            b.publish(List.of(moveTo(0, OTHER), moveTo(0, NODE)));
            b.publish(List.of(moveTo(0, OTHER)));
            b.settle();
            assertFalse(b.active(0), "seed " + seed);
            assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.commit(G0, 8), "seed " + seed);
            // Elected again (epoch 4): loaded, with what the log holds.
            b.publish(List.of(moveTo(0, NODE)));
            b.settle();
            assertEquals(3, b.committed(G0), "seed " + seed);
            assertTrue(b.active(0), "seed " + seed);
        }
    }

    @Test
    void theTransactionCoordinatorFollowsLeadershipToo() throws Exception {
        Broker b = new Broker(4);
        b.publish(cluster(NODE, NODE));
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), (short) (long) b.initProducerId("tx").get(0));
        b.settle();
        List<Long> first = b.initProducerId("tx");
        assertEquals(List.of(0L, 1000L, 0L), first);

        b.publish(List.of(move(TXN_ID, 0, OTHER)));
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), (short) (long) b.initProducerId("tx").get(0));

        // Leader again (epoch 2): the transactional id comes back from the log, and its epoch goes up.
        b.publish(List.of(move(TXN_ID, 0, NODE)));
        b.settle();
        assertEquals(List.of(0L, 1000L, 1L), b.initProducerId("tx"));
    }

    @Test
    void aDeletedTopicUnloadsEveryPartition() throws Exception {
        Broker b = new Broker(3);
        b.publish(cluster(NODE, NODE));
        assertEquals(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code(), b.commit(G1, 1));
        b.settle();
        assertEquals(ErrorCode.NONE.code(), b.commit(G1, 1));
        assertTrue(b.active(0));

        b.publish(List.of(new RemoveTopicRecord().setTopicId(OFFSETS_ID)));
        assertFalse(b.active(0));
        assertFalse(b.active(1));
        assertEquals(ErrorCode.NOT_COORDINATOR.code(), b.commit(G1, 2));
        assertEquals(Map.of(), b.leadership.led());
        assertNotEquals(0, b.loads.size());
    }
}
