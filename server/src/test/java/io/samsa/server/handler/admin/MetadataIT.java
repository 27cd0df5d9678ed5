package io.samsa.server.handler.admin;

import io.samsa.server.OfficialWire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.server.EmbeddedBroker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Metadata over a socket at exact versions, decoded by the official client's classes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetadataIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("num.partitions", "3"));
        broker.createTopics(List.of(CreateTopicRequest.of("existing", 2, 1)));
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    private static MetadataResponseData metadata(short version, MetadataRequestData req) throws IOException {
        try (OfficialWire wire = new OfficialWire(broker.port())) {
            return new MetadataResponseData(new ByteBufferAccessor(wire.send(ApiKeys.METADATA, version, req)),
                    version);
        }
    }

    private static MetadataRequestData named(boolean allowAutoCreate, String... names) {
        MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(allowAutoCreate);
        for (String n : names) {
            req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(n));
        }
        return req;
    }

    @Test
    void autoCreatesAMissingTopicWithNumPartitionsAndDescribesItAtOnce() throws IOException {
        MetadataResponseData resp = metadata((short) 12, named(true, "auto-created"));
        MetadataResponseData.MetadataResponseTopic t = resp.topics().find("auto-created");
        assertEquals(Errors.NONE.code(), t.errorCode());
        assertEquals(3, t.partitions().size());
        assertNotEquals(Uuid.ZERO_UUID, t.topicId());
        for (MetadataResponseData.MetadataResponsePartition p : t.partitions()) {
            assertEquals(1, p.leaderId());
            assertEquals(0, p.leaderEpoch());
            assertEquals(List.of(1), p.replicaNodes());
            assertEquals(List.of(1), p.isrNodes());
            assertEquals(List.of(), p.offlineReplicas());
        }
        assertEquals(t.topicId(), metadata((short) 12, named(false, "auto-created")).topics().find("auto-created")
                .topicId(), "the same topic, not created twice");
    }

    @Test
    void missingTopicWithoutAutoCreationIsUnknown() throws IOException {
        MetadataResponseData resp = metadata((short) 12, named(false, "never-created"));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), resp.topics().find("never-created").errorCode());
        assertNull(broker.broker().services().metadata().image().topic("never-created"));
    }

    @Test
    void autoCreationOffInTheBrokerWinsOverTheRequest() throws Exception {
        try (EmbeddedBroker off = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false"));
             OfficialWire wire = new OfficialWire(off.port())) {
            short v = 9;
            MetadataResponseData resp = new MetadataResponseData(new ByteBufferAccessor(
                    wire.send(ApiKeys.METADATA, v, named(true, "wanted"))), v);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), resp.topics().find("wanted").errorCode());
            assertNull(off.broker().services().metadata().image().topic("wanted"));
        }
    }

    @Test
    void illegalNamesAreInvalidAndNeverCreated() throws IOException {
        MetadataResponseData resp = metadata((short) 11, named(true, "bad name", ".."));
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), resp.topics().find("bad name").errorCode());
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), resp.topics().find("..").errorCode());
        assertNull(broker.broker().services().metadata().image().topic("bad name"));
    }

    @Test
    void internalOffsetsTopicIsCreatedWithItsOwnSettingsAndMarkedInternal() throws IOException {
        MetadataResponseData resp = metadata((short) 12, named(true, "__consumer_offsets"));
        MetadataResponseData.MetadataResponseTopic t = resp.topics().find("__consumer_offsets");
        assertEquals(Errors.NONE.code(), t.errorCode());
        assertTrue(t.isInternal());
        assertEquals(5, t.partitions().size(), "offsets.topic.num.partitions of EmbeddedBroker");
        assertEquals("compact", broker.broker().services().metadata().image().topic("__consumer_offsets")
                .configs().get("cleanup.policy"));
    }

    @Test
    void topicListSemanticsPerVersion() throws IOException {
        // v0: an empty list means every topic.
        assertTrue(names(metadata((short) 0, new MetadataRequestData())).contains("existing"));
        // v1+: empty means none, null means every topic.
        assertEquals(Set.of(), names(metadata((short) 1, new MetadataRequestData())));
        assertTrue(names(metadata((short) 1, new MetadataRequestData().setTopics(null))).contains("existing"));
        assertTrue(names(metadata((short) 13, new MetadataRequestData().setTopics(null)
                .setAllowAutoTopicCreation(false))).contains("existing"));
    }

    @Test
    void everyVersionDescribesBrokersClusterAndPartitions() throws IOException {
        String clusterId = broker.broker().services().metadata().image().clusterId();
        for (short v = 0; v <= 13; v++) {
            MetadataResponseData resp = metadata(v, named(v < 4, "existing"));
            assertEquals(1, resp.brokers().size(), "v" + v);
            MetadataResponseData.MetadataResponseBroker b = resp.brokers().iterator().next();
            assertEquals(1, b.nodeId());
            assertEquals("127.0.0.1", b.host());
            assertEquals(broker.port(), b.port());
            if (v >= 1) {
                assertEquals(1, resp.controllerId(), "v" + v);
            }
            if (v >= 2) {
                assertEquals(clusterId, resp.clusterId(), "v" + v);
            }
            MetadataResponseData.MetadataResponseTopic t = resp.topics().find("existing");
            assertEquals(Errors.NONE.code(), t.errorCode(), "v" + v);
            assertEquals(2, t.partitions().size(), "v" + v);
            assertFalse(t.isInternal());
            if (v >= 10) {
                assertEquals(uuid("existing"), t.topicId(), "v" + v);
            }
            if (v >= 8) {
                assertEquals(Integer.MIN_VALUE, t.topicAuthorizedOperations(), "not requested, v" + v);
            }
        }
    }

    @Test
    void topicsByIdFromV12() throws IOException {
        Uuid unknown = Uuid.randomUuid();
        MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(false);
        req.topics().add(new MetadataRequestData.MetadataRequestTopic().setTopicId(uuid("existing")).setName(null));
        req.topics().add(new MetadataRequestData.MetadataRequestTopic().setTopicId(unknown).setName(null));
        MetadataResponseData resp = metadata((short) 12, req);
        List<MetadataResponseData.MetadataResponseTopic> topics = new ArrayList<>(resp.topics());
        assertEquals(2, topics.size());
        assertEquals("existing", topics.get(0).name());
        assertEquals(Errors.NONE.code(), topics.get(0).errorCode());
        assertNull(topics.get(1).name());
        assertEquals(unknown, topics.get(1).topicId());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), topics.get(1).errorCode());
    }

    @Test
    void authorizedOperationsWhenAskedForWithoutAnAuthorizer() throws IOException {
        MetadataRequestData req = named(false, "existing").setIncludeTopicAuthorizedOperations(true)
                .setIncludeClusterAuthorizedOperations(true);
        MetadataResponseData resp = metadata((short) 10, req);
        int topicOps = 0;
        for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                AclOperation.ALTER_CONFIGS)) {
            topicOps |= 1 << op.code();
        }
        assertEquals(topicOps, resp.topics().find("existing").topicAuthorizedOperations());
        assertNotEquals(Integer.MIN_VALUE, resp.clusterAuthorizedOperations());
        assertTrue((resp.clusterAuthorizedOperations() & (1 << AclOperation.IDEMPOTENT_WRITE.code())) != 0);
    }

    private static Uuid uuid(String topic) {
        java.util.UUID id = broker.broker().services().metadata().image().topic(topic).id();
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static Set<String> names(MetadataResponseData resp) {
        Set<String> out = new TreeSet<>();
        resp.topics().forEach(t -> out.add(t.name()));
        return out;
    }
}
