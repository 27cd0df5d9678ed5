package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.CompletableFuture;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A controller-only node and a broker-only node in one JVM, configured as Kafka's isolated mode configures them
 * (process.roles, controller.quorum.voters, controller.listener.names). The broker registers, heartbeats and
 * forwards admin requests to the controller over the controller listener, and follows the controller's metadata log
 * as a Raft observer (the controller is the quorum of one). The official
 * Admin client and producer/consumer run against the broker, and the Admin client against the controller
 * ({@code bootstrap.controllers}, KIP-919).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ControllerAndBrokerIT {
    private Path dir;
    private SamsaBroker controller;
    private SamsaBroker broker;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("samsa-cluster");
        int controllerPort;
        try (ServerSocket s = new ServerSocket(0)) {
            controllerPort = s.getLocalPort();
        }
        String voters = "1@127.0.0.1:" + controllerPort;
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", voters);
        c.put("listeners", "CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("log.dirs", dir.resolve("controller").toString());
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "3");
        controller = SamsaBroker.start(BrokerConfig.from(c));

        Map<String, String> b = new LinkedHashMap<>();
        b.put("process.roles", "broker");
        b.put("node.id", "2");
        b.put("controller.quorum.voters", voters);
        b.put("listeners", "PLAINTEXT://127.0.0.1:0");
        b.put("controller.listener.names", "CONTROLLER");
        b.put("log.dirs", dir.resolve("broker").toString());
        b.put("broker.rack", "rack-a");
        b.put("offsets.topic.replication.factor", "1");
        b.put("offsets.topic.num.partitions", "3");
        b.put("group.initial.rebalance.delay.ms", "0");
        broker = SamsaBroker.start(BrokerConfig.from(b));
    }

    @AfterEach
    void stop() throws IOException {
        if (broker != null) {
            broker.close();
        }
        if (controller != null) {
            controller.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Admin brokerAdmin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000));
    }

    private Admin controllerAdmin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, controller.bootstrapControllers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                15000));
    }

    private MetadataImage brokerImage() {
        return broker.services().metadata().image();
    }

    @Test
    void theBrokerRegistersOverTheNetworkAndIsUnfenced() {
        BrokerRegistration reg = brokerImage().broker(2);
        assertNotNull(reg);
        assertFalse(reg.fenced());
        assertEquals("rack-a", reg.rack());
        assertEquals(broker.boundListeners().get(0).port(), reg.listener("PLAINTEXT").port());
        assertNull(brokerImage().broker(1), "a controller-only node is no broker");
        assertTrue(controller.controllerListeners().size() == 1 && broker.controllerListeners().isEmpty());
    }

    @Test
    void adminRequestsAreForwardedToTheControllerAndSeenAtOnce() throws Exception {
        try (Admin admin = brokerAdmin()) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            // Read-your-writes through the forward: the broker answered once it had published the topic.
            assertNotNull(brokerImage().topic("orders"));
            TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get().get("orders");
            assertEquals(3, d.partitions().size());
            d.partitions().forEach(p -> assertEquals(2, p.leader().id()));
            ExecutionException rf = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("wide", 1, (short) 2))).all().get());
            assertInstanceOf(InvalidReplicationFactorException.class, rf.getCause());
            admin.createPartitions(Map.of("orders", org.apache.kafka.clients.admin.NewPartitions.increaseTo(4)))
                    .all().get();
            assertEquals(4, brokerImage().topic("orders").numPartitions());
            DescribeClusterResult cluster = admin.describeCluster();
            Collection<Node> nodes = cluster.nodes().get();
            assertEquals(List.of(2), nodes.stream().map(Node::id).toList());
            // The controller is not reachable by clients: the broker names itself, and forwards.
            assertEquals(2, cluster.controller().get().id());
            assertEquals(brokerImage().clusterId(), cluster.clusterId().get());
            admin.deleteTopics(List.of("orders")).all().get();
            assertNull(brokerImage().topic("orders"));
        }
    }

    @Test
    void electionsAndReassignmentsGoThroughTheBroker() throws Exception {
        try (Admin admin = brokerAdmin()) {
            admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
            TopicPartition tp = new TopicPartition("t", 0);
            var elected = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
            assertTrue(elected.get(tp).isPresent(), "the preferred replica already leads");
            assertEquals(org.apache.kafka.common.errors.ElectionNotNeededException.class,
                    elected.get(tp).get().getClass());
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2)))))
                    .all().get();
            assertEquals(Map.of(), admin.listPartitionReassignments().reassignments().get());
        }
    }

    @Test
    void scramCredentialsAreForwardedToTheController() throws Exception {
        try (Admin admin = brokerAdmin()) {
            // AlterUserScramCredentials from a broker-only node: over the controller channel, validated there.
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get();
            assertEquals(4096, brokerImage().scramCredential("alice", (byte) 2).iterations(),
                    "answered once the broker has the change");
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)), admin
                    .describeUserScramCredentials(List.of("alice")).all().get().get("alice").credentialInfos());
            ExecutionException refused = assertThrows(ExecutionException.class, () -> admin.alterUserScramCredentials(
                    List.of(new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(
                            ScramMechanism.SCRAM_SHA_256, 20000), "x"))).all().get());
            assertInstanceOf(UnacceptableCredentialException.class, refused.getCause());
            assertEquals("Too many iterations", refused.getCause().getMessage());
        }
    }

    @Test
    void featuresAreUpdatedThroughTheBroker() throws Exception {
        String tv = "transaction.version";
        assertEquals(new BrokerRegistration.VersionRange((short) 0, (short) 2), brokerImage().broker(2).features()
                .get(tv), "the broker registers the levels it supports");
        try (Admin admin = brokerAdmin()) {
            assertEquals(2, admin.describeFeatures().featureMetadata().get().finalizedFeatures().get(tv)
                    .maxVersionLevel());
            // kafka-features.sh downgrade --feature transaction.version=1, against the broker-only node.
            admin.updateFeatures(Map.of(tv, new FeatureUpdate((short) 1, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)),
                    new UpdateFeaturesOptions()).all().get();
            assertEquals((short) 1, brokerImage().features().get(tv), "answered once the broker has the change");
            assertEquals(1, admin.describeFeatures().featureMetadata().get().finalizedFeatures().get(tv)
                    .maxVersionLevel());

            admin.updateFeatures(Map.of(tv, new FeatureUpdate((short) 2, FeatureUpdate.UpgradeType.UPGRADE)),
                    new UpdateFeaturesOptions().validateOnly(true)).all().get();
            assertEquals((short) 1, brokerImage().features().get(tv), "validate-only changes nothing");

            ExecutionException refused = assertThrows(ExecutionException.class, () -> admin.updateFeatures(
                    Map.of(tv, new FeatureUpdate((short) 3, FeatureUpdate.UpgradeType.UPGRADE)),
                    new UpdateFeaturesOptions()).all().get());
            assertInstanceOf(InvalidUpdateVersionException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("Local controller 1 only supports versions 0-2"),
                    refused.getCause().getMessage());
            assertEquals((short) 1, brokerImage().features().get(tv));
        }
        try (Admin admin = controllerAdmin()) {
            // kafka-features.sh --bootstrap-controller: straight to the controller.
            admin.updateFeatures(Map.of(tv, new FeatureUpdate((short) 2, FeatureUpdate.UpgradeType.UPGRADE)),
                    new UpdateFeaturesOptions()).all().get();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (brokerImage().features().get(tv) != 2) {
            assertTrue(System.nanoTime() < deadline, "the broker never saw the upgrade");
            Thread.sleep(20);
        }
    }

    @Test
    void theControllerServesAdminClientsWithBootstrapControllers() throws Exception {
        try (Admin admin = controllerAdmin()) {
            DescribeClusterResult cluster = admin.describeCluster();
            assertEquals(1, cluster.controller().get().id());
            assertEquals(List.of(1), cluster.nodes().get().stream().map(Node::id).toList());
            assertEquals(brokerImage().clusterId(), cluster.clusterId().get());
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            assertEquals(1, quorum.leaderId());
            assertEquals(List.of(1), quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
            assertTrue(quorum.highWatermark() > 0);
        }
    }

    @Test
    void recordsFlowAndProducerIdsComeFromTheController() throws Exception {
        try (Admin admin = brokerAdmin()) {
            admin.createTopics(List.of(new NewTopic("data", 1, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("data", ("v" + i).getBytes())).get();
            }
        }
        assertTrue(nextProducerId() >= 1000, "a block of producer ids was allocated");
        Properties cp = new Properties();
        cp.put("bootstrap.servers", broker.bootstrapServers());
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.assign(List.of(new TopicPartition("data", 0)));
            consumer.seekToBeginning(List.of(new TopicPartition("data", 0)));
            int seen = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (seen < 10 && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(java.time.Duration.ofMillis(500));
                seen += records.count();
            }
            assertEquals(10, seen);
        }
    }

    private long nextProducerId() {
        return brokerImage().nextProducerId();
    }

    @Test
    void aStoppedBrokerShutsDownInAControlledWayAndIsFenced() throws Exception {
        // The ISR checked below is that of a cluster without eligible leader replicas (KIP-966, on by default: with
        // them the ISR of a partition whose only replica stopped is empty, and the replica eligible).
        try (Admin admin = controllerAdmin()) {
            admin.updateFeatures(Map.of("eligible.leader.replicas.version", new FeatureUpdate((short) 0,
                    FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions()).all().get();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (brokerImage().features().containsKey("eligible.leader.replicas.version")) {
            assertTrue(System.nanoTime() < deadline, "the broker never saw the feature change");
            Thread.sleep(20);
        }
        try (Admin admin = brokerAdmin()) {
            admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
        }
        // The controller's log as a new reader loads it, once the broker has gone.
        broker.close();
        broker = null;
        io.samsa.metadata.MetadataLoader loader = new io.samsa.metadata.MetadataLoader("test",
                new io.samsa.common.ThreadExecutor("test-loader"), 10, 100);
        io.samsa.controller.MetadataLoaderFeed feed = new io.samsa.controller.MetadataLoaderFeed(loader);
        CompletableFuture<Long> fed = new CompletableFuture<>();
        RaftClient.Listener<Message> view = new RaftClient.Listener<>() {
            private long last = -1;

            @Override
            public void handleCommit(Batch<Message> batch) {
                last = batch.lastOffset();
                feed.handleCommit(batch);
            }

            @Override
            public void handleLoadSnapshot(Snapshot<Message> snapshot) {
                last = snapshot.id().endOffset() - 1;
                feed.handleLoadSnapshot(snapshot);
            }

            @Override
            public void handleLeaderChange(LeaderAndEpoch leader) {
                fed.complete(last);
            }
        };
        controller.quorum().raft().register(view);
        loader.awaitPublished(fed.get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS);
        MetadataImage image = loader.image();
        assertTrue(image.broker(2).fenced());
        for (PartitionRegistration p : image.topic("t").partitions().values()) {
            assertEquals(PartitionRegistration.NO_LEADER, p.leader(), "leadership left the broker before it stopped");
            assertEquals(List.of(2), p.isr());
        }
        controller.quorum().raft().unregister(view);
        loader.close();
    }
}
