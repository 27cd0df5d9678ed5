package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.server.KafkaTool;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Multi-node clusters in one JVM on loopback ports, each node started from its configuration alone, as Kafka's
 * multi-node KRaft examples and the apache/kafka image's compose examples lay them out: three combined nodes that
 * elect a leader, agree on every image, survive the abrupt loss of the leader's node (a new leader serves
 * CreateTopics within seconds) and take it back (it catches up); and the isolated layout, one controller and two
 * broker-only nodes that follow the metadata log as observers. The Kafka clients and kafka-metadata-quorum.sh run
 * against them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QuorumClusterIT {
    /** How soon a new leader must serve metadata changes after the old one's node is gone. */
    private static final long FAILOVER_BOUND_MS = 10_000;

    private Path dir;
    private final List<SamsaBroker> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-quorum");
    }

    @AfterEach
    void tearDown() throws Exception {
        quiesceReplication(nodes);
        // Abruptly, the last first: a graceful stop of the last voters would wait for a quorum that is gone.
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).halt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Stops every node's replica fetchers and waits until no follower fetch is parked at a leader: a node that halts
     * drops the long polls it holds with their request buffers (the leak check would see them). Only partition data
     * stops replicating; the metadata quorum is untouched.
     */
    static void quiesceReplication(List<SamsaBroker> nodes) throws InterruptedException {
        for (SamsaBroker n : nodes) {
            if (n.replicaFetchers() != null) {
                n.replicaFetchers().close();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int parked = 0;
            for (SamsaBroker n : nodes) {
                if (n.services() != null) {
                    for (io.samsa.replication.Partition p : n.services().replicas().partitions()) {
                        parked += p.liveWatcherCount();
                    }
                }
            }
            if (parked == 0) {
                return;
            }
            Thread.sleep(20);
        }
    }

    static int freePort() throws IOException {
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

    /** Starts every configuration at once (a voter waits for a majority), returns the nodes in order. */
    private List<SamsaBroker> startAll(List<Map<String, String>> configs) throws Exception {
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (Map<String, String> c : configs) {
            starting.add(CompletableFuture.supplyAsync(() -> startNode(c)));
        }
        List<SamsaBroker> out = new ArrayList<>();
        for (CompletableFuture<SamsaBroker> f : starting) {
            SamsaBroker n = f.get(60, TimeUnit.SECONDS);
            nodes.add(n);
            out.add(n);
        }
        return out;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30000));
    }

    private static Admin controllerAdmin(String bootstrapControllers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, bootstrapControllers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30000));
    }

    /** The leader {@code raft} knows once it knows one (told by the log, not polled). */
    private static LeaderAndEpoch awaitLeader(RaftClient<Message> raft) throws Exception {
        CompletableFuture<LeaderAndEpoch> known = new CompletableFuture<>();
        RaftClient.Listener<Message> listener = new RaftClient.Listener<>() {
            @Override
            public void handleCommit(Batch<Message> batch) {
            }

            @Override
            public void handleLoadSnapshot(Snapshot<Message> snapshot) {
            }

            @Override
            public void handleLeaderChange(LeaderAndEpoch leader) {
                if (leader.hasLeader()) {
                    known.complete(leader);
                }
            }
        };
        raft.register(listener);
        try {
            return known.get(30, TimeUnit.SECONDS);
        } finally {
            raft.unregister(listener);
        }
    }

    /**
     * Waits until every broker of {@code nodes} published what the furthest of them has (the change a client made
     * through whichever node answered it), and returns their images.
     */
    private static List<MetadataImage> imagesAsOf(List<SamsaBroker> nodes) throws Exception {
        long offset = -1;
        for (SamsaBroker n : nodes) {
            offset = Math.max(offset, n.services().metadata().loader().publishedOffset());
        }
        List<MetadataImage> images = new ArrayList<>();
        for (SamsaBroker n : nodes) {
            n.services().metadata().loader().awaitPublished(offset).get(30, TimeUnit.SECONDS);
            images.add(n.services().metadata().image());
        }
        return images;
    }

    /** A topic's name, id and replicas, and with {@code leaders} each partition's leader and leader epoch. */
    private static List<Object> topicView(TopicImage t, boolean leaders) {
        List<Object> view = new ArrayList<>();
        view.add(t.name());
        view.add(t.id());
        for (int p = 0; p < t.numPartitions(); p++) {
            view.add(t.partition(p).replicas());
            if (leaders) {
                view.add(t.partition(p).leader());
                view.add(t.partition(p).leaderEpoch());
            }
        }
        return view;
    }

    static Map<String, String> combinedNode(int id, String voters, int controllerPort, Path data) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", "broker,controller");
        c.put("controller.quorum.voters", voters);
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("log.dirs", data.toString());
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "3");
        // A restarted node registers again once its old session has expired.
        c.put("broker.session.timeout.ms", "3000");
        c.put("broker.heartbeat.interval.ms", "500");
        return c;
    }

    /** The brokers {@code admin}'s node lists, once they are {@code want} or after 15 s. */
    private static List<Integer> awaitBrokers(Admin admin, List<Integer> want) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        List<Integer> nodes = admin.describeCluster().nodes().get().stream().map(Node::id).sorted().toList();
        while (!nodes.equals(want) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            nodes = admin.describeCluster().nodes().get().stream().map(Node::id).sorted().toList();
        }
        return nodes;
    }

    @Test
    void threeCombinedNodesElectAgreeFailOverAndCatchUp() throws Exception {
        int[] controllerPorts = {freePort(), freePort(), freePort()};
        String voters = "1@127.0.0.1:" + controllerPorts[0] + ",2@127.0.0.1:" + controllerPorts[1] + ",3@127.0.0.1:"
                + controllerPorts[2];
        List<Map<String, String>> configs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            configs.add(combinedNode(id, voters, controllerPorts[id - 1], dir.resolve("node" + id)));
        }
        List<SamsaBroker> cluster = startAll(configs);
        LeaderAndEpoch leader = awaitLeader(cluster.get(0).quorum().raft());
        for (SamsaBroker n : cluster) {
            assertEquals(leader, awaitLeader(n.quorum().raft()), "one leader, known to every node");
        }
        SamsaBroker other = cluster.get(leader.leaderId() % 3);
        assertNotEquals(leader.leaderId(), other.config().nodeId());
        try (Admin admin = admin(other.bootstrapServers())) {
            // Each broker registers on its own: the others reach this broker's image a moment later.
            assertEquals(List.of(1, 2, 3), awaitBrokers(admin, List.of(1, 2, 3)));
            admin.createTopics(List.of(new NewTopic("replicated", 6, (short) 3))).all().get();
            // The node that answered has the topic; the others have it once they publish that far (as in Kafka,
            // brokers' metadata is eventually consistent).
            imagesAsOf(cluster);
            TopicDescription d = admin.describeTopics(List.of("replicated")).allTopicNames().get().get("replicated");
            d.partitions().forEach(p -> assertEquals(3, p.replicas().size()));
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            assertEquals(leader.leaderId(), quorum.leaderId());
            assertEquals(List.of(1, 2, 3), quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId).sorted()
                    .toList());
            assertTrue(quorum.highWatermark() > 0);
        }
        List<MetadataImage> images = imagesAsOf(cluster);
        for (MetadataImage image : images) {
            assertEquals(topicView(images.get(0).topic("replicated"), true), topicView(image.topic("replicated"), true),
                    "every node's image has the same topic");
            assertEquals(images.get(0).clusterId(), image.clusterId());
        }
        String bootstrapControllers = cluster.stream().map(SamsaBroker::bootstrapControllers)
                .reduce((a, b) -> a + "," + b).orElseThrow();
        KafkaTool quorumTool = new KafkaTool("org.apache.kafka.tools.MetadataQuorumCommand");
        String status = quorumTool.ok("--bootstrap-controller", bootstrapControllers, "describe", "--status").all();
        assertTrue(status.contains("LeaderId:") && status.contains(Integer.toString(leader.leaderId())), status);
        String replication = quorumTool.ok("--bootstrap-server", other.bootstrapServers(), "describe",
                "--replication").all();
        assertTrue(replication.contains("Leader") && replication.contains("Follower"), replication);

        // The leader's node goes away abruptly: a new leader serves CreateTopics within seconds.
        SamsaBroker killed = cluster.get(leader.leaderId() - 1);
        quiesceReplication(nodes);
        killed.halt();
        nodes.remove(killed);
        long before = System.nanoTime();
        try (Admin admin = admin(other.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("after", 2, (short) 1))).all().get();
            long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
            assertTrue(failoverMs < FAILOVER_BOUND_MS, "the new leader served CreateTopics after " + failoverMs
                    + " ms");
            LeaderAndEpoch next = awaitLeader(other.quorum().raft());
            assertNotEquals(leader.leaderId(), next.leaderId());
            assertTrue(next.epoch() > leader.epoch());
            assertEquals(next.leaderId(), admin.describeMetadataQuorum().quorumInfo().get().leaderId());
        }

        // It comes back with its data directory and catches up with what it missed.
        SamsaBroker restarted = startNode(configs.get(leader.leaderId() - 1));
        nodes.add(restarted);
        List<SamsaBroker> all = new ArrayList<>(nodes);
        images = imagesAsOf(all);
        for (MetadataImage image : images) {
            assertNotNull(image.topic("after"));
            // Leaders may still move (the killed node's broker is fenced when its session expires): replicas only.
            assertEquals(topicView(images.get(0).topic("after"), false), topicView(image.topic("after"), false));
            assertEquals(topicView(images.get(0).topic("replicated"), false),
                    topicView(image.topic("replicated"), false));
        }
        assertFalse(restarted.services().metadata().image().broker(restarted.config().nodeId()).fenced());
    }

    @Test
    void aControllerAndTwoBrokerOnlyNodesFollowOneLog() throws Exception {
        int controllerPort = freePort();
        String voters = "1@127.0.0.1:" + controllerPort;
        List<Map<String, String>> configs = new ArrayList<>();
        configs.add(Map.of("node.id", "1", "process.roles", "controller", "controller.quorum.voters", voters,
                "controller.listener.names", "CONTROLLER", "listeners", "CONTROLLER://127.0.0.1:" + controllerPort,
                "log.dirs", dir.resolve("controller1").toString()));
        for (int id = 2; id <= 3; id++) {
            configs.add(Map.of("node.id", Integer.toString(id), "process.roles", "broker",
                    "controller.quorum.voters", voters, "listeners", "PLAINTEXT://127.0.0.1:0",
                    "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name", "PLAINTEXT", "controller.listener.names", "CONTROLLER",
                    "log.dirs", dir.resolve("broker" + id).toString(), "offsets.topic.replication.factor", "1",
                    "offsets.topic.num.partitions", "3"));
        }
        List<SamsaBroker> cluster = startAll(configs);
        List<SamsaBroker> brokers = cluster.subList(1, 3);
        try (Admin admin = admin(brokers.get(0).bootstrapServers())) {
            // Each broker registers on its own: the other one reaches this broker's image a moment later.
            assertEquals(List.of(2, 3), awaitBrokers(admin, List.of(2, 3)));
            admin.createTopics(List.of(new NewTopic("t", 4, (short) 2))).all().get();
            // The topic is committed; this broker's image may show it a moment later.
            TopicDescription d = null;
            for (int attempt = 0; d == null; attempt++) {
                try {
                    d = admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (attempt >= 100) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
            d.partitions().forEach(p -> assertEquals(List.of(2, 3), p.replicas().stream().map(Node::id).sorted()
                    .toList()));
            QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
            assertEquals(1, quorum.leaderId());
            assertEquals(List.of(1), quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
            assertEquals(List.of(2, 3), quorum.observers().stream().map(QuorumInfo.ReplicaState::replicaId).sorted()
                    .toList());
        }
        List<MetadataImage> images = imagesAsOf(brokers);
        assertEquals(topicView(images.get(0).topic("t"), true), topicView(images.get(1).topic("t"), true));
        try (Admin admin = controllerAdmin(cluster.get(0).bootstrapControllers())) {
            assertEquals(1, admin.describeCluster().controller().get().id());
            assertEquals(1, admin.describeMetadataQuorum().quorumInfo().get().leaderId());
        }
        // A broker-only node that stops and comes back follows the log again.
        SamsaBroker three = brokers.get(1);
        three.close();
        nodes.remove(three);
        try (Admin admin = admin(brokers.get(0).bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("while-away", 1, (short) 1))).all().get();
        }
        SamsaBroker back = startNode(configs.get(2));
        nodes.add(back);
        images = imagesAsOf(List.of(brokers.get(0), back));
        assertNotNull(images.get(1).topic("while-away"));
    }
}
