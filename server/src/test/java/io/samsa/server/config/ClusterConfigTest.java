package io.samsa.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Process roles, controller listeners and the quorum's voters: the configurations of Kafka's own examples and of
 * the apache/kafka image's compose examples parse, and Kafka's validation rules refuse what Kafka refuses.
 */
class ClusterConfigTest {
    private static final String MAP = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,"
            + "SASL_SSL:SASL_SSL";
    private static final String VOTERS = "1@controller-1:9093,2@controller-2:9093,3@controller-3:9093";

    /** Kafka 4's config/server.properties: one combined node, a dynamic quorum bootstrapped from itself. */
    static Map<String, String> kafkaServerProperties() {
        return Map.of("process.roles", "broker,controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:9093",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "inter.broker.listener.name", "PLAINTEXT",
                "advertised.listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093",
                "controller.listener.names", "CONTROLLER", "listener.security.protocol.map", MAP);
    }

    /** Kafka 4's config/controller.properties. */
    static Map<String, String> kafkaControllerProperties() {
        return Map.of("process.roles", "controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:9093", "listeners", "CONTROLLER://:9093",
                "advertised.listeners", "CONTROLLER://localhost:9093", "controller.listener.names", "CONTROLLER");
    }

    /** Kafka 4's config/broker.properties. */
    static Map<String, String> kafkaBrokerProperties() {
        return Map.of("process.roles", "broker", "node.id", "2",
                "controller.quorum.bootstrap.servers", "localhost:9093", "listeners", "PLAINTEXT://localhost:9092",
                "inter.broker.listener.name", "PLAINTEXT", "advertised.listeners", "PLAINTEXT://localhost:9092",
                "controller.listener.names", "CONTROLLER", "listener.security.protocol.map", MAP);
    }

    /** A controller of apache/kafka's isolated compose example (docker/examples/.../isolated/plaintext). */
    static Map<String, String> composeController(int id) {
        return Map.of("node.id", Integer.toString(id), "process.roles", "controller",
                "controller.quorum.voters", VOTERS, "controller.listener.names", "CONTROLLER",
                "listeners", "CONTROLLER://:9093", "offsets.topic.replication.factor", "1");
    }

    /** A broker of apache/kafka's isolated compose example. */
    static Map<String, String> composeBroker(int id) {
        return Map.of("node.id", Integer.toString(id), "process.roles", "broker",
                "controller.quorum.voters", VOTERS, "listeners", "PLAINTEXT://:19092,PLAINTEXT_HOST://:9092",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                "inter.broker.listener.name", "PLAINTEXT",
                "advertised.listeners", "PLAINTEXT://kafka-" + (id - 3) + ":19092,PLAINTEXT_HOST://localhost:"
                        + (id - 1) + "9092",
                "controller.listener.names", "CONTROLLER");
    }

    /** A node of apache/kafka's combined compose example. */
    static Map<String, String> composeCombined(int id) {
        return Map.of("node.id", Integer.toString(id), "process.roles", "broker,controller",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                "controller.quorum.voters", "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093",
                "listeners", "PLAINTEXT://:19092,CONTROLLER://:9093,PLAINTEXT_HOST://:9092",
                "inter.broker.listener.name", "PLAINTEXT",
                "advertised.listeners", "PLAINTEXT://kafka-" + id + ":19092,PLAINTEXT_HOST://localhost:" + (id + 1)
                        + "9092",
                "controller.listener.names", "CONTROLLER");
    }

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> out = new HashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                out.remove(kv[i]);
            } else {
                out.put(kv[i], kv[i + 1]);
            }
        }
        return out;
    }

    private static ConfigException refused(Map<String, String> props, String key, String messagePart) {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.from(props));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        return e;
    }

    @Test
    void withoutAnyConfigurationANodeIsBothRolesAndItsOwnQuorum() {
        BrokerConfig c = BrokerConfig.from(Map.of());
        assertEquals(Set.of(BrokerConfig.Role.BROKER, BrokerConfig.Role.CONTROLLER), c.processRoles());
        assertTrue(c.standalone());
        assertEquals(List.of(), c.controllerListeners());
        assertEquals(c.listeners(), c.brokerListeners());
    }

    @Test
    void kafkasOwnExampleConfigurationsParse() {
        BrokerConfig server = BrokerConfig.from(kafkaServerProperties());
        assertFalse(server.standalone());
        assertEquals(List.of(new QuorumVoter(-1, "localhost", 9093)), server.quorumBootstrapServers());
        assertEquals(List.of(new Endpoint("CONTROLLER", "", 9093, "PLAINTEXT")), server.controllerListeners());
        assertEquals(List.of(new Endpoint("PLAINTEXT", "", 9092, "PLAINTEXT")), server.brokerListeners());
        assertEquals(List.of(new Endpoint("CONTROLLER", "localhost", 9093, "PLAINTEXT")),
                server.advertisedControllerListeners());
        assertEquals(List.of(new Endpoint("PLAINTEXT", "localhost", 9092, "PLAINTEXT")), server.advertisedListeners());

        BrokerConfig controller = BrokerConfig.from(kafkaControllerProperties());
        assertEquals(Set.of(BrokerConfig.Role.CONTROLLER), controller.processRoles());
        assertEquals(List.of(), controller.brokerListeners());

        BrokerConfig broker = BrokerConfig.from(kafkaBrokerProperties());
        assertEquals(Set.of(BrokerConfig.Role.BROKER), broker.processRoles());
        assertEquals(List.of(), broker.controllerListeners());
        assertEquals("PLAINTEXT", broker.interBrokerListenerName());

        // Kafka 3's config/kraft/broker.properties: static voters.
        BrokerConfig staticBroker = BrokerConfig.from(with(kafkaBrokerProperties(),
                "controller.quorum.bootstrap.servers", null, "controller.quorum.voters", "1@localhost:9093"));
        assertEquals(Map.of(1, new QuorumVoter(1, "localhost", 9093)), staticBroker.quorumVoters());
    }

    @Test
    void theImagesComposeExamplesParse() {
        for (int id = 1; id <= 3; id++) {
            BrokerConfig c = BrokerConfig.from(composeController(id));
            assertEquals(3, c.quorumVoters().size());
            assertEquals(new QuorumVoter(2, "controller-2", 9093), c.quorumVoters().get(2));
            assertEquals(List.of(new Endpoint("CONTROLLER", "", 9093, "PLAINTEXT")),
                    c.advertisedControllerListeners());
        }
        for (int id = 4; id <= 6; id++) {
            BrokerConfig c = BrokerConfig.from(composeBroker(id));
            assertEquals(2, c.brokerListeners().size());
            assertEquals(List.of("CONTROLLER"), c.controllerListenerNames());
        }
        for (int id = 1; id <= 3; id++) {
            BrokerConfig c = BrokerConfig.from(composeCombined(id));
            assertEquals(List.of(new Endpoint("CONTROLLER", "", 9093, "PLAINTEXT")), c.controllerListeners());
            assertEquals(2, c.brokerListeners().size());
            assertEquals(2, c.advertisedListeners().size());
        }
    }

    @Test
    void rolesMustBeKnownAndNamedOnce() {
        refused(Map.of("process.roles", "broker,observer"), "process.roles", "Unknown process role 'observer'");
        refused(Map.of("process.roles", "broker,broker"), "process.roles", "Duplicate role names");
        refused(Map.of("process.roles", ""), "process.roles", "must name the roles");
    }

    @Test
    void votersAreIdAtHostColonPortOnceEach() {
        refused(with(composeController(1), "controller.quorum.voters", "1@controller-1"), "controller.quorum.voters",
                "expected {id}@{host}:{port}");
        refused(with(composeController(1), "controller.quorum.voters", "1@a:9093,1@b:9093"),
                "controller.quorum.voters", "Voter 1 is named twice");
        refused(with(kafkaBrokerProperties(), "controller.quorum.bootstrap.servers", "localhost"),
                "controller.quorum.bootstrap.servers", "expected {host}:{port}");
        assertEquals(new QuorumVoter(4, "::1", 9093), BrokerConfig.from(with(composeController(4),
                "controller.quorum.voters", "4@[::1]:9093")).quorumVoters().get(4));
    }

    @Test
    void aClusterNodeNeedsVotersOrBootstrapServers() {
        refused(with(kafkaBrokerProperties(), "controller.quorum.bootstrap.servers", null),
                "controller.quorum.voters", "either controller.quorum.bootstrap.servers must contain");
        refused(with(kafkaControllerProperties(), "controller.quorum.bootstrap.servers", null),
                "controller.quorum.voters", "either controller.quorum.bootstrap.servers must contain");
    }

    @Test
    void aControllersIdMustBeOneOfTheVoters() {
        refused(with(composeController(1), "node.id", "7"), "controller.quorum.voters",
                "the node id 7 must be included in the set of voters");
        refused(with(composeCombined(1), "node.id", "7"), "controller.quorum.voters",
                "the node id 7 must be included in the set of voters");
    }

    @Test
    void aControllersListenersAreItsControllerListeners() {
        refused(with(composeController(1), "listeners", "CONTROLLER://:9093,PLAINTEXT://:9092"), "listeners",
                "must only contain KRaft controller listeners");
        refused(with(composeController(1), "listeners", "PLAINTEXT://:9092", "controller.listener.names",
                "CONTROLLER"), "controller.listener.names", "at least one value appearing in the 'listeners'");
        refused(with(composeCombined(1), "controller.listener.names", "CONTROLLER,OTHER"),
                "controller.listener.names", "must only contain values appearing in the 'listeners'");
        refused(with(composeController(1), "inter.broker.listener.name", "CONTROLLER"), "controller.listener.names",
                "must not contain an explicitly set inter.broker.listener.name");
    }

    @Test
    void aBrokerOnlyNodeIsNoVoterAndServesNoControllerListener() {
        refused(with(composeBroker(4), "node.id", "2"), "controller.quorum.voters",
                "the node id 2 must not be included in the set of voters");
        refused(with(composeBroker(4), "controller.listener.names", null), "controller.listener.names",
                "must contain at least one value when running KRaft with just the broker role");
        refused(with(composeBroker(4), "listeners", "PLAINTEXT://:19092,CONTROLLER://:9093"),
                "controller.listener.names", "must not contain a value appearing in the 'listeners'");
        refused(with(composeBroker(4), "advertised.listeners", "PLAINTEXT://kafka-1:19092,CONTROLLER://kafka-1:9093"),
                "advertised.listeners", "must not contain KRaft controller listeners");
    }

    @Test
    void aBrokersAdvertisedListenersAreRoutableBoundAndHoldTheInterBrokerOne() {
        refused(with(composeBroker(4), "inter.broker.listener.name", "INTERNAL"), "inter.broker.listener.name",
                "must be a listener name defined in advertised.listeners");
        refused(with(composeBroker(4), "advertised.listeners", "PLAINTEXT://kafka-1:19092,OTHER://x:1",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,"
                        + "OTHER:PLAINTEXT"), "advertised.listeners", "must be equal to or a subset");
        refused(with(composeBroker(4), "advertised.listeners", "PLAINTEXT://0.0.0.0:19092"), "advertised.listeners",
                "nonroutable meta-address 0.0.0.0");
        refused(with(composeCombined(1), "listeners", "CONTROLLER://:9093", "advertised.listeners", null),
                "advertised.listeners", "There must be at least one broker advertised listener");
    }

    @Test
    void theOneNodeModeKeepsItsLenientRules() {
        // No inter-broker listener among the advertised ones, as before: a one-node broker never uses it.
        BrokerConfig c = BrokerConfig.from(Map.of("listeners", "CLIENT://127.0.0.1:9092",
                "listener.security.protocol.map", "CLIENT:PLAINTEXT"));
        assertTrue(c.standalone());
        assertEquals("PLAINTEXT", c.interBrokerListenerName());
    }

    @Test
    void theQuorumPlanSaysWhoVotes() {
        assertEquals(QuorumPlan.Kind.SINGLE_VOTER, QuorumPlan.of(BrokerConfig.from(Map.of())).kind());
        assertEquals(QuorumPlan.Kind.SINGLE_VOTER, QuorumPlan.of(BrokerConfig.from(kafkaServerProperties())).kind());
        assertEquals(QuorumPlan.Kind.SINGLE_VOTER,
                QuorumPlan.of(BrokerConfig.from(kafkaControllerProperties())).kind());
        assertEquals(QuorumPlan.Kind.OBSERVER, QuorumPlan.of(BrokerConfig.from(kafkaBrokerProperties())).kind());
        assertEquals(QuorumPlan.Kind.VOTER, QuorumPlan.of(BrokerConfig.from(composeController(2))).kind());
        assertEquals(QuorumPlan.Kind.VOTER, QuorumPlan.of(BrokerConfig.from(composeCombined(1))).kind());
        assertEquals(QuorumPlan.Kind.OBSERVER, QuorumPlan.of(BrokerConfig.from(composeBroker(5))).kind());
        // The apache/kafka image's one-node defaults: the node is its only voter.
        assertEquals(QuorumPlan.Kind.SINGLE_VOTER, QuorumPlan.of(BrokerConfig.from(with(kafkaServerProperties(),
                "controller.quorum.bootstrap.servers", null, "controller.quorum.voters", "1@localhost:9093"))).kind());
        // Bootstrap servers elsewhere: a quorum of several.
        assertEquals(QuorumPlan.Kind.VOTER, QuorumPlan.of(BrokerConfig.from(with(kafkaServerProperties(),
                "controller.quorum.bootstrap.servers", "localhost:9093,other:9093"))).kind());
    }
}
