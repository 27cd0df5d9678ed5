package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The internal topics' settings: Kafka's replication defaults (3, 3 and a min ISR of 2) on a cluster node, or what
 * is set; 1 in the one-node mode; and no creation (COORDINATOR_NOT_AVAILABLE from Metadata) while
 * fewer brokers are live than the replication factor.
 */
class InternalTopicsTest {
    @TempDir
    Path dir;

    private static BrokerConfig standalone(Map<String, String> extra) {
        Map<String, String> c = new HashMap<>(Map.of("log.dirs", "/tmp/samsa-internal-topics-test"));
        c.putAll(extra);
        return BrokerConfig.from(c);
    }

    private static BrokerConfig clusterNode(Map<String, String> extra) {
        Map<String, String> c = new HashMap<>();
        c.put("node.id", "1");
        c.put("process.roles", "broker,controller");
        c.put("controller.quorum.voters", "1@127.0.0.1:19093,2@127.0.0.1:19094,3@127.0.0.1:19095");
        c.put("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:19093");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("log.dirs", "/tmp/samsa-internal-topics-test");
        c.putAll(extra);
        return BrokerConfig.from(c);
    }

    @Test
    void aClusterNodeTakesKafkasDefaults() {
        BrokerConfig config = clusterNode(Map.of());
        CreateTopicRequest offsets = InternalTopics.creationRequest("__consumer_offsets", config);
        assertEquals(3, offsets.replicationFactor());
        assertEquals(50, offsets.numPartitions());
        assertEquals("compact", offsets.configs().get("cleanup.policy"));
        assertEquals("104857600", offsets.configs().get("segment.bytes"));
        CreateTopicRequest txn = InternalTopics.creationRequest("__transaction_state", config);
        assertEquals(3, txn.replicationFactor());
        assertEquals(50, txn.numPartitions());
        assertEquals("2", txn.configs().get("min.insync.replicas"));
        assertNull(InternalTopics.creationRequest("orders", config));
    }

    @Test
    void theOneNodeModeTakesOne() {
        BrokerConfig config = standalone(Map.of());
        assertTrue(config.standalone());
        assertEquals(1, InternalTopics.creationRequest("__consumer_offsets", config).replicationFactor());
        CreateTopicRequest txn = InternalTopics.creationRequest("__transaction_state", config);
        assertEquals(1, txn.replicationFactor());
        assertEquals("1", txn.configs().get("min.insync.replicas"));
        assertNull(InternalTopics.shortOfBrokers(txn, 1));
        BrokerConfig higher = standalone(Map.of("offsets.topic.replication.factor", "3"));
        assertEquals(1, InternalTopics.creationRequest("__consumer_offsets", higher).replicationFactor(),
                "one node never has a second broker");
    }

    @Test
    void whatIsSetWinsOnAClusterNode() {
        BrokerConfig set = clusterNode(Map.of("offsets.topic.replication.factor", "2",
                "offsets.topic.num.partitions", "7", "offsets.topic.segment.bytes", "2097152",
                "transaction.state.log.replication.factor", "3", "transaction.state.log.min.isr", "2",
                "transaction.state.log.num.partitions", "5"));
        CreateTopicRequest offsets = InternalTopics.creationRequest("__consumer_offsets", set);
        assertEquals(2, offsets.replicationFactor());
        assertEquals(7, offsets.numPartitions());
        assertEquals("2097152", offsets.configs().get("segment.bytes"));
        CreateTopicRequest txn = InternalTopics.creationRequest("__transaction_state", set);
        assertEquals(3, txn.replicationFactor());
        assertEquals(5, txn.numPartitions());
        assertEquals("2", txn.configs().get("min.insync.replicas"));
        assertEquals("__consumer_offsets needs 2 live brokers (offsets.topic.replication.factor) but 1 are live",
                InternalTopics.shortOfBrokers(offsets, 1));
    }

    @Test
    void theMinIsrNeverExceedsTheReplicationFactor() {
        BrokerConfig config = clusterNode(Map.of("transaction.state.log.replication.factor", "1"));
        assertEquals("1", InternalTopics.creationRequest("__transaction_state", config).configs()
                .get("min.insync.replicas"));
    }

    @Test
    void metadataDoesNotCreateAnInternalTopicWithTooFewLiveBrokers() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of())) {
            MetadataHandler handler = new MetadataHandler(clusterNode(Map.of()), h.metadata);
            MetadataRequest req = new MetadataRequest().setAllowAutoTopicCreation(true).setTopics(List.of(
                    new MetadataRequest.MetadataRequestTopic().setName("__consumer_offsets")));
            MetadataResponse resp = h.call(handler, (short) 3, (short) 12, req);
            assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE.code(), resp.topics().get(0).errorCode());
            assertNull(h.metadata.image().topic("__consumer_offsets"), "not created with 1 of 3 brokers live");

            MetadataHandler oneNode = new MetadataHandler(standalone(Map.of()), h.metadata);
            resp = h.call(oneNode, (short) 3, (short) 12, req);
            assertEquals(ErrorCode.NONE.code(), resp.topics().get(0).errorCode());
            assertEquals(1, h.metadata.image().topic("__consumer_offsets").partition(0).replicas().size());
        }
    }
}
