package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.AlterPartitionChannel;
import io.samsa.replication.PartitionState;
import io.samsa.server.KafkaTool;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ISR changes across a cluster in one JVM (one controller, three broker-only nodes on loopback ports): a partition's
 * leader sends AlterPartition through its {@link AlterPartitionChannel} over the controller network, every broker's
 * Metadata and DescribeTopicPartitions show the committed ISR, a stale partition epoch is refused, and once a broker
 * is gone (fenced when its session expires) {@code kafka-topics.sh --describe --under-replicated-partitions} and
 * {@code --unavailable-partitions} name the right partitions.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class IsrClusterIT {
    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-isr");
    }

    @AfterEach
    void tearDown() throws Exception {
        QuorumClusterIT.quiesceReplication(nodes);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).halt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static SamsaBroker startNode(Map<String, String> config) {
        try {
            return SamsaBroker.start(BrokerConfig.from(config));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30000));
    }

    /** Waits (bounded) until {@code broker}'s published image satisfies {@code condition}; returns that image. */
    private static MetadataImage awaitImage(SamsaBroker broker, Predicate<MetadataImage> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        MetadataImage image = broker.services().metadata().image();
        while (!condition.test(image)) {
            assertTrue(System.nanoTime() < deadline, "node " + broker.config().nodeId() + " never saw the change");
            Thread.sleep(20);
            image = broker.services().metadata().image();
        }
        return image;
    }

    private static PartitionRegistration partition(MetadataImage image, String topic) {
        TopicImage t = image.topic(topic);
        return t == null ? null : t.partition(0);
    }

    private static AlterPartitionChannel.IsrChange change(MetadataImage image, String topic, List<Integer> isr) {
        PartitionRegistration p = partition(image, topic);
        List<AlterPartitionChannel.IsrMember> members = new ArrayList<>();
        for (int b : isr) {
            members.add(new AlterPartitionChannel.IsrMember(b, b == p.leader() ? -1
                    : image.broker(b).brokerEpoch()));
        }
        return new AlterPartitionChannel.IsrChange(image.topic(topic).id(), topic, 0, p.leaderEpoch(),
                p.partitionEpoch(), members);
    }

    private static List<Integer> isrOf(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return d.partitions().get(0).isr().stream().map(Node::id).toList();
    }

    @Test
    void aLeadersIsrChangeReachesEveryBrokerAndADeadBrokerShowsInTheReports() throws Exception {
        int controllerPort = freePort();
        String voters = "1@127.0.0.1:" + controllerPort;
        nodes.add(startNode(Map.of("node.id", "1", "process.roles", "controller", "controller.quorum.voters", voters,
                "controller.listener.names", "CONTROLLER", "listeners", "CONTROLLER://127.0.0.1:" + controllerPort,
                "log.dirs", dir.resolve("controller1").toString(), "broker.session.timeout.ms", "2000")));
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 2; id <= 4; id++) {
            Map<String, String> c = new HashMap<>(Map.of("node.id", Integer.toString(id), "process.roles", "broker",
                    "controller.quorum.voters", voters, "listeners", "PLAINTEXT://127.0.0.1:0",
                    "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name", "PLAINTEXT", "controller.listener.names", "CONTROLLER",
                    "log.dirs", dir.resolve("broker" + id).toString(), "offsets.topic.replication.factor", "1"));
            c.put("offsets.topic.num.partitions", "1");
            c.put("broker.heartbeat.interval.ms", "300");
            starting.add(CompletableFuture.supplyAsync(() -> startNode(c)));
        }
        List<SamsaBroker> brokers = new ArrayList<>();
        for (CompletableFuture<SamsaBroker> f : starting) {
            SamsaBroker b = f.get(60, TimeUnit.SECONDS);
            nodes.add(b);
            brokers.add(b);
        }
        SamsaBroker two = brokers.get(0);
        for (SamsaBroker b : brokers) {
            awaitImage(b, image -> image.liveBrokerCount() == 3);
        }
        // The reports below are those of a cluster without eligible leader replicas (KIP-966, on by default; with
        // them a dead single replica leaves its ISR empty): this cluster turns them off, as kafka-features.sh
        // --bootstrap-controller does.
        try (Admin controllerAdmin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG,
                nodes.get(0).bootstrapControllers()))) {
            controllerAdmin.updateFeatures(Map.of("eligible.leader.replicas.version", new FeatureUpdate((short) 0,
                    FeatureUpdate.UpgradeType.SAFE_DOWNGRADE)), new UpdateFeaturesOptions()).all().get();
        }
        for (SamsaBroker b : brokers) {
            awaitImage(b, image -> !image.features().containsKey("eligible.leader.replicas.version"));
        }
        try (Admin admin = admin(two.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("isr", Map.of(0, List.of(2, 3, 4))),
                    new NewTopic("single", Map.of(0, List.of(4))))).all().get();
        }
        MetadataImage image = awaitImage(two, i -> partition(i, "isr") != null && partition(i, "single") != null);
        PartitionRegistration before = partition(image, "isr");
        assertEquals(2, before.leader());
        assertEquals(List.of(2, 3, 4), before.isr());

        // The leader (broker 2) shrinks the ISR through the controller network.
        AlterPartitionChannel channel = two.services().replicas().alterPartitionChannel();
        PartitionState shrunk = channel.alterPartition(change(image, "isr", List.of(2, 3))).get(30, TimeUnit.SECONDS);
        assertEquals(new PartitionState(2, before.leaderEpoch(), List.of(2, 3), List.of(2, 3, 4),
                before.partitionEpoch() + 1), shrunk);
        for (SamsaBroker b : brokers) {
            PartitionRegistration p = partition(awaitImage(b, i -> partition(i, "isr").partitionEpoch()
                    >= shrunk.partitionEpoch()), "isr");
            assertEquals(List.of(2, 3), p.isr(), "node " + b.config().nodeId());
            try (Admin admin = admin(b.bootstrapServers())) {
                assertEquals(List.of(2, 3), isrOf(admin, "isr"), "node " + b.config().nodeId());
            }
        }
        KafkaTool topics = new KafkaTool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                brokers.get(1).bootstrapServers());

        // Its followers are caught up, so the leader grows the ISR back by itself: its own AlterPartition, sent when
        // a follower's fetch shows it caught up (the replica fetchers and the leader's tracking, end to end).
        awaitImage(brokers.get(1), i -> partition(i, "isr").partitionEpoch() > shrunk.partitionEpoch()
                && partition(i, "isr").isr().equals(List.of(2, 3, 4)));
        assertEquals(List.of(), topics.ok("--describe", "--under-replicated-partitions").out());
        assertEquals(List.of(), topics.ok("--describe", "--unavailable-partitions").out());

        // Broker 4 dies: fenced once its session expires, it leaves the ISR and "single" has no leader.
        SamsaBroker four = brokers.get(2);
        four.halt();
        nodes.remove(four);
        awaitImage(brokers.get(1), i -> !i.isLive(4) && partition(i, "isr").isr().equals(List.of(2, 3)));
        List<String> under = topics.ok("--describe", "--under-replicated-partitions").out();
        assertEquals(1, under.size(), String.join("\n", under));
        assertTrue(under.get(0).contains("Topic: isr") && under.get(0).contains("Isr: 2,3"), under.get(0));
        List<String> unavailable = topics.ok("--describe", "--unavailable-partitions").out();
        assertEquals(1, unavailable.size(), String.join("\n", unavailable));
        assertTrue(unavailable.get(0).contains("Topic: single") && unavailable.get(0).contains("Leader: none"),
                unavailable.get(0));
    }
}
