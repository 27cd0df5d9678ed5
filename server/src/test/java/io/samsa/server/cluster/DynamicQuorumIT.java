package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.raft.ReplicaKey;
import io.samsa.raft.VoterSet;
import io.samsa.server.KafkaTool;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.metadata.MetaProperties;
import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A dynamic quorum (KIP-853) of three combined nodes in one JVM, each with its own data directory, formatted with
 * initial controllers as {@code kafka-storage format --initial-controllers} would: the directory ids in
 * {@code meta.properties} are the voters' keys, {@code kafka-metadata-quorum.sh describe --replication} names them,
 * and a node whose disk is wiped comes back under a new directory id as an observer; {@code remove-controller}
 * takes its old key out, {@code add-controller} (reading the node's {@code meta.properties}, as the tool does)
 * makes it a voter again, and the quorum keeps committing throughout. A voter that comes back listening elsewhere
 * tells the leader with UpdateRaftVoter.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DynamicQuorumIT {
    private static final String CLUSTER_ID = "dynamicQuorumClusterIdA";

    private Path dir;
    private final SamsaBroker[] nodes = new SamsaBroker[4];

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-dynamic");
    }

    @AfterEach
    void tearDown() throws Exception {
        QuorumClusterIT.quiesceReplication(java.util.Arrays.stream(nodes).filter(java.util.Objects::nonNull).toList());
        for (int i = nodes.length - 1; i >= 0; i--) {
            if (nodes[i] != null) {
                nodes[i].halt();
            }
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

    private Map<String, String> node(int id, int controllerPort, String bootstrap, String initialControllers) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", "broker,controller");
        c.put("cluster.id", CLUSTER_ID);
        c.put("controller.quorum.bootstrap.servers", bootstrap);
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("log.dirs", dir.resolve("node" + id).toString());
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "3");
        c.put("broker.session.timeout.ms", "3000");
        c.put("broker.heartbeat.interval.ms", "500");
        if (initialControllers != null) {
            c.put(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, initialControllers);
        }
        return c;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                30000));
    }

    /** The node's configuration as a file, for kafka-metadata-quorum.sh --command-config. */
    private Path commandConfig(Map<String, String> config, String name) throws IOException {
        Properties p = new Properties();
        p.putAll(config);
        Path file = dir.resolve(name);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private SamsaBroker leader() {
        for (SamsaBroker n : nodes) {
            if (n != null && n.quorum().raft().leaderAndEpoch().isLeader(n.config().nodeId())) {
                return n;
            }
        }
        return null;
    }

    private static ReplicaKey voterKey(SamsaBroker n, int id) {
        VoterSet.Voter v = n.quorum().raft().voters().voter(id);
        return v == null ? null : v.key();
    }

    @Test
    void aWipedControllerComesBackUnderANewDirectoryIdAndIsSwappedIn() throws Exception {
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        String bootstrap = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
        UUID[] dirIds = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            initial.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(ports[i]).append(':')
                    .append(MetaProperties.encodeUuid(dirIds[i]));
        }
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, String> c = node(i + 1, ports[i], bootstrap, initial.toString());
            starting.add(CompletableFuture.supplyAsync(() -> startNode(c)));
        }
        for (int i = 0; i < 3; i++) {
            nodes[i] = starting.get(i).get(60, TimeUnit.SECONDS);
            // The directory id --initial-controllers gave the node is in its meta.properties, and is its key.
            assertEquals(dirIds[i], MetaProperties.load(dir.resolve("node" + (i + 1))).directoryId());
        }
        await("a leader", () -> leader() != null);
        for (int i = 0; i < 3; i++) {
            assertEquals(new ReplicaKey(i + 1, dirIds[i]), voterKey(leader(), i + 1));
            assertEquals(1, nodes[i].quorum().raft().kraftVersion());
        }
        try (Admin admin = admin(nodes[0].bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("before", 3, (short) 3))).all().get();
        }
        KafkaTool quorumTool = new KafkaTool("org.apache.kafka.tools.MetadataQuorumCommand");
        String controllers = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
        String replication = quorumTool.ok("--bootstrap-controller", controllers, "describe", "--replication").all();
        for (UUID id : dirIds) {
            assertTrue(replication.contains(MetaProperties.encodeUuid(id)), replication);
        }

        // Node 3 (not the leader, so that the quorum keeps one) loses its disk and comes back empty, without
        // initial controllers: a new directory id, an observer.
        int wiped = leader().config().nodeId() == 3 ? 2 : 3;
        int idx = wiped - 1;
        // This test replicates metadata only: stop the data followers so that none is parked at the halted node.
        QuorumClusterIT.quiesceReplication(java.util.Arrays.stream(nodes).filter(java.util.Objects::nonNull).toList());
        nodes[idx].halt();
        nodes[idx] = null;
        try (var files = Files.walk(dir.resolve("node" + wiped))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Map<String, String> rejoin = node(wiped, ports[idx], bootstrap, null);
        CompletableFuture<SamsaBroker> restarting = CompletableFuture.supplyAsync(() -> startNode(rejoin));
        try {
            nodes[idx] = restarting.get(40, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("node " + wiped + " did not start; the quorum: " + quorumTool.run(
                    "--bootstrap-controller", controllers, "describe", "--replication").all(), e);
        }
        UUID newDir = MetaProperties.load(dir.resolve("node" + wiped)).directoryId();
        assertNotEquals(dirIds[idx], newDir);
        assertEquals(new ReplicaKey(wiped, dirIds[idx]), voterKey(leader(), wiped), "the old key is still a voter");
        try (Admin admin = admin(nodes[0].bootstrapServers())) {
            // Two of the three voters are up: the quorum commits.
            admin.createTopics(List.of(new NewTopic("while-wiped", 1, (short) 1))).all().get();
        }

        // The old key goes, the new one comes in: kafka-metadata-quorum.sh as an operator runs it.
        // (--name=value: a directory id may start with '-'.)
        quorumTool.ok("--bootstrap-controller", controllers, "remove-controller", "--controller-id",
                Integer.toString(wiped), "--controller-directory-id=" + MetaProperties.encodeUuid(dirIds[idx]));
        await("the old key removed", () -> leader() != null && voterKey(leader(), wiped) == null);
        Path config = commandConfig(rejoin, "node" + wiped + ".properties");
        quorumTool.ok("--bootstrap-controller", controllers, "--command-config", config.toString(),
                "add-controller");
        await("the new key added", () -> leader() != null
                && new ReplicaKey(wiped, newDir).equals(voterKey(leader(), wiped)));
        await("the node knows it is a voter again", () -> new ReplicaKey(wiped, newDir)
                .equals(voterKey(nodes[idx], wiped)));
        replication = quorumTool.ok("--bootstrap-controller", controllers, "describe", "--replication").all();
        assertTrue(replication.contains(MetaProperties.encodeUuid(newDir)), replication);

        // The quorum keeps committing, now with the new replica among the voters.
        try (Admin admin = admin(nodes[idx].bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("after", 2, (short) 3))).all().get();
        }
        await("every node has the new topic", () -> {
            for (SamsaBroker n : nodes) {
                if (n != null && n.services().metadata().image().topic("after") == null) {
                    return false;
                }
            }
            return true;
        });
        assertNotNull(nodes[idx].services().metadata().image().topic("before"));
    }

    @Test
    void aControllerThatComesBackOnAnotherPortUpdatesItsEndpoints() throws Exception {
        int[] ports = {freePort(), freePort(), freePort()};
        String bootstrap = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
        UUID[] dirIds = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            initial.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(ports[i]).append(':')
                    .append(MetaProperties.encodeUuid(dirIds[i]));
        }
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, String> c = node(i + 1, ports[i], bootstrap, initial.toString());
            starting.add(CompletableFuture.supplyAsync(() -> startNode(c)));
        }
        for (int i = 0; i < 3; i++) {
            nodes[i] = starting.get(i).get(60, TimeUnit.SECONDS);
        }
        await("a leader", () -> leader() != null);
        int moved = leader().config().nodeId() == 3 ? 2 : 3;
        int idx = moved - 1;
        QuorumClusterIT.quiesceReplication(java.util.Arrays.stream(nodes).filter(java.util.Objects::nonNull).toList());
        nodes[idx].close();
        nodes[idx] = null;
        int newPort = freePort();
        nodes[idx] = startNode(node(moved, newPort, bootstrap, initial.toString()));
        // UpdateRaftVoter (KIP-853): the leader's voter set now names the new port.
        await("the new endpoint in the voter set", () -> {
            SamsaBroker l = leader();
            VoterSet.Voter v = l == null ? null : l.quorum().raft().voters().voter(moved);
            return v != null && !v.endpoints().isEmpty() && v.endpoints().get(0).port() == newPort;
        });
        assertEquals(new ReplicaKey(moved, dirIds[idx]), voterKey(leader(), moved));
        try (Admin admin = admin(nodes[idx].bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("after-move", 1, (short) 3))).all().get();
        }
    }
}
