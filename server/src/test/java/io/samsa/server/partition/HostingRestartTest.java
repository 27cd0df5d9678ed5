package io.samsa.server.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.LogManager;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.RegisterBrokerRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.replication.Partition;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.server.config.BrokerConfig;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A restarted broker never leads in an epoch its previous process led: until the metadata holds its own new
 * registration, the partitions the image says it leads are hosted without a leader (no produce is taken, no
 * follower is served). Its log may lack what the previous process acknowledged (a power loss) and followers of
 * that epoch would truncate to it. Its registration moves that leadership away, as Kafka's controller does.
 */
class HostingRestartTest {
    private static final int NODE = 1;
    private static final int OTHER = 2;
    private static final UUID ORDERS = new UUID(8, 8);
    private static final UUID BEFORE = new UUID(1, 1);
    private static final UUID NOW = new UUID(2, 2);

    private final SimScheduler sim = new SimScheduler(new Random(5), 1_000_000L);
    private final ReplicaManager replicas;
    private final HostingPublisher hosting;
    private MetadataImage image = MetadataImage.EMPTY;

    HostingRestartTest() throws Exception {
        SimDisk disk = new SimDisk(new Random(6), sim.clock());
        BrokerConfig config = BrokerConfig.from(Map.of("log.dirs", "/data", "listeners", "PLAINTEXT://127.0.0.1:0",
                "node.id", Integer.toString(NODE)));
        TopicConfigResolver topicConfigs = new TopicConfigResolver(config);
        LogManager logs = LogManager.builder(Path.of("/data")).disk(disk).clock(sim.clock())
                .scheduler(sim.executor("deleter")).flusherExecutors(sim.executor("flusher"),
                        sim.executor("flusher-timer")).configs(t -> topicConfigs.logConfig(image, t)).build();
        replicas = new ReplicaManager(NODE, logs, new ShardProxy(List.of(sim.executor("shard"))),
                sim.executor("hosting"), 300_000);
        hosting = new HostingPublisher(replicas, topicConfigs, NODE, NOW);
    }

    private void publish(List<Message> records) {
        MetadataDelta delta = new MetadataDelta(image);
        delta.replay(records, image.offset() + 1, 1);
        MetadataImage next = delta.apply();
        CompletableFuture<Void> hosted = hosting.onMetadataUpdate(delta, next);
        sim.runUntil(hosted::isDone);
        hosted.join();
        image = next;
    }

    private static RegisterBrokerRecord registration(int id, long epoch, UUID incarnation) {
        return new RegisterBrokerRecord().setBrokerId(id).setBrokerEpoch(epoch).setIncarnationId(incarnation)
                .setFenced(false);
    }

    /** What the metadata held when the previous process of broker 1 died: it led orders-0 and orders-1. */
    private List<Message> beforeTheRestart() {
        List<Message> out = new ArrayList<>();
        out.add(new ClusterIdRecord().setClusterId("c"));
        out.add(registration(NODE, 1, BEFORE));
        out.add(registration(OTHER, 2, new UUID(3, 3)));
        out.add(new TopicRecord().setName("orders").setTopicId(ORDERS));
        for (int p = 0; p < 2; p++) {
            out.add(new PartitionRecord().setTopicId(ORDERS).setPartitionId(p).setReplicas(List.of(NODE, OTHER))
                    .setIsr(List.of(NODE, OTHER)).setLeader(NODE).setLeaderEpoch(3).setPartitionEpoch(5));
        }
        return out;
    }

    @Test
    void theLeadershipOfThePreviousProcessIsNotTakenUp() {
        publish(beforeTheRestart());
        Partition p0 = replicas.partition("orders", 0);
        Partition p1 = replicas.partition("orders", 1);
        assertFalse(p0.isLeader(), "the image names the previous process as leader, not this one");
        assertFalse(p1.isLeader());
        assertEquals(-1, p0.state().leader());
        assertEquals(3, p0.leaderEpoch(), "hosted at the image's epoch, without a leader");

        // The registration of this process: the controller moved orders-0 to broker 2; orders-1 had no other
        // live replica in this scenario's metadata and stays with broker 1 (unchanged in the delta).
        publish(List.of(registration(NODE, 20, NOW).setFenced(true), new PartitionChangeRecord()
                .setTopicId(ORDERS).setPartitionId(0).setLeader(OTHER).setIsr(List.of(OTHER))));
        assertFalse(p0.isLeader());
        assertEquals(OTHER, p0.state().leader());
        assertEquals(4, p0.leaderEpoch());
        assertTrue(p1.isLeader(), "once registered, what the image says this broker leads is its own again");

        // Elected again later, in a new epoch.
        publish(List.of(new PartitionChangeRecord().setTopicId(ORDERS).setPartitionId(0).setLeader(NODE)
                .setIsr(List.of(OTHER, NODE))));
        assertTrue(p0.isLeader());
        assertEquals(5, p0.leaderEpoch());
    }

    @Test
    void aFirstStartWithoutAnyRegistrationHostsAsTheImageSays() {
        List<Message> records = new ArrayList<>(beforeTheRestart());
        records.set(1, registration(NODE, 1, NOW));
        publish(records);
        assertTrue(replicas.partition("orders", 0).isLeader(), "the image holds this process's registration");
    }
}
