package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One node in both roles, configured as Kafka's own {@code config/server.properties} configures it (a controller
 * listener, the quorum bootstrapped from itself) and as the apache/kafka image's defaults do (itself as the only
 * voter): it serves clients on its broker listener and the controller's APIs on its controller listener, and
 * survives a restart. That configuration is a dynamic quorum (KIP-853) formatted with the node alone: a broker-only
 * node named by its bootstrap servers follows it as an observer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CombinedNodeIT {
    private Path dir;
    private int controllerPort;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("samsa-combined");
        try (ServerSocket s = new ServerSocket(0)) {
            controllerPort = s.getLocalPort();
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Kafka 4's config/server.properties, on loopback with an ephemeral client port. */
    private Map<String, String> serverProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", "localhost:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", dir.toString());
        p.put("offsets.topic.replication.factor", "1");
        return p;
    }

    private static Admin admin(String key, String servers) {
        return Admin.create(Map.of(key, servers, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    @Test
    void kafkasServerPropertiesRunOneNodeWithItsControllerListener() throws Exception {
        SamsaBroker node = SamsaBroker.start(BrokerConfig.from(serverProperties()));
        try {
            assertEquals(List.of(controllerPort), node.controllerListeners().stream().map(e -> e.port()).toList());
            assertFalse(node.boundListeners().stream().anyMatch(e -> e.listenerName().equals("CONTROLLER")),
                    "the controller listener is not a broker listener");
            try (Admin admin = admin(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
                assertEquals(1, admin.describeCluster().controller().get().id());
                assertEquals(List.of(1), admin.describeCluster().nodes().get().stream().map(Node::id).toList());
            }
            try (Admin admin = admin(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, node.bootstrapControllers())) {
                QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
                assertEquals(1, q.leaderId());
                assertEquals(1, admin.describeCluster().controller().get().id());
            }
        } finally {
            node.close();
        }
        // Again, on the same data: the topic is back, led by the node once it is unfenced.
        SamsaBroker again = SamsaBroker.start(BrokerConfig.from(serverProperties()));
        try (Admin admin = admin(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, again.bootstrapServers())) {
            var d = admin.describeTopics(List.of("t")).allTopicNames().get().get("t");
            assertEquals(2, d.partitions().size());
            d.partitions().forEach(p -> assertEquals(1, p.leader().id()));
        } finally {
            again.close();
        }
    }

    @Test
    void theImagesOneNodeDefaultsNameTheNodeAsTheOnlyVoter() throws Exception {
        Map<String, String> p = serverProperties();
        p.remove("controller.quorum.bootstrap.servers");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        try (SamsaBroker node = SamsaBroker.start(BrokerConfig.from(p));
             Admin admin = admin(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            assertTrue(admin.listTopics().names().get().contains("t"));
        }
    }

    @Test
    void aBrokerOnlyNodeOfTheDynamicQuorumFollowsItThroughItsBootstrapServers() throws Exception {
        // Kafka's quick start is formatted --standalone: a dynamic quorum (KIP-853) that others join.
        Map<String, String> broker = new LinkedHashMap<>();
        broker.put("process.roles", "broker");
        broker.put("node.id", "4");
        broker.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        broker.put("listeners", "PLAINTEXT://127.0.0.1:0");
        broker.put("controller.listener.names", "CONTROLLER");
        broker.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        broker.put("log.dirs", dir.resolve("broker").toString());
        broker.put("offsets.topic.replication.factor", "1");
        Map<String, String> controller = serverProperties();
        controller.put("log.dirs", dir.resolve("controller").toString());
        try (SamsaBroker node = SamsaBroker.start(BrokerConfig.from(controller));
             SamsaBroker follower = SamsaBroker.start(BrokerConfig.from(broker));
             Admin admin = admin(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, node.bootstrapControllers())) {
            assertEquals(1, node.quorum().raft().kraftVersion());
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
            assertEquals(1, q.leaderId());
            assertEquals(List.of(1), q.voters().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
            assertEquals(List.of(4), q.observers().stream().map(QuorumInfo.ReplicaState::replicaId).toList());
            assertTrue(follower.services().metadata().image().broker(4) != null);
        }
    }
}
