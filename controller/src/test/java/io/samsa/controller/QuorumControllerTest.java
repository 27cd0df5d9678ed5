package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;

import io.samsa.raft.RaftLog;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.samsa.controller.ControllerTestSupport.ENDPOINTS;
import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuorumControllerTest {
    @TempDir
    Path dir;

    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private TestController start(Map<String, String> props) throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, props).build());
        return controller;
    }

    private TestController startWithBroker() throws IOException {
        start(Map.of());
        controller.registerUnfenced(1, null);
        return controller;
    }

    private void restart() throws IOException {
        controller.close();
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
    }

    @Test
    void firstStartFormatsWithARandomClusterIdThatSurvivesRestart() throws IOException {
        start(Map.of());
        String clusterId = controller.image().clusterId();
        assertNotNull(clusterId);
        assertEquals(22, clusterId.length());
        assertTrue(clusterId.matches("[A-Za-z0-9_-]{22}"), clusterId);
        assertEquals(0, controller.image().offset());
        assertEquals(1, controller.epoch());
        restart();
        assertEquals(clusterId, controller.image().clusterId());
        assertEquals(2, controller.epoch());
    }

    @Test
    void givenClusterIdIsUsedAndAMismatchIsRefused() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of())
            .clusterId("AAAAAAAAAAAAAAAAAAAAAA").bootstrapFeatures(Map.of("metadata.version", (short) 25)).build());
        assertEquals("AAAAAAAAAAAAAAAAAAAAAA", controller.image().clusterId());
        assertEquals(Map.of("metadata.version", (short) 25), controller.image().features());
        controller.close();
        controller = null;
        SamsaException e = assertThrows(SamsaException.class, () -> ControllerTestSupport.start(dir,
            ControllerTestSupport.config(dir, Map.of()).clusterId("BBBBBBBBBBBBBBBBBBBBBB").build()));
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID, e.errorCode());
    }

    @Test
    void registerBrokerPublishesTheRegistrationWithItsOffsetAsEpoch() throws IOException {
        start(Map.of());
        BrokerRegistration reg = get(controller.registerBroker(1, ENDPOINTS, "rack-1"));
        assertEquals(1, reg.brokerEpoch());
        BrokerRegistration inImage = controller.image().broker(1);
        assertEquals(reg, inImage);
        assertEquals(9092, inImage.listener("PLAINTEXT").port());
        assertEquals("rack-1", inImage.rack());
        assertEquals(1, controller.image().offset());
        SamsaException e = assertThrows(SamsaException.class, () -> get(controller.registerBroker(-5, ENDPOINTS,
            null)));
        assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
    }

    @Test
    void createTopicCommitsTopicPartitionsAndConfigs() throws IOException {
        startWithBroker();
        long before = controller.image().offset();
        List<CreateTopicResult> results = get(controller.createTopics(List.of(new CreateTopicRequest("orders", 3, 1,
            Map.of(), Map.of("retention.ms", "1000", "cleanup.policy", "compact"))), false));
        CreateTopicResult r = results.get(0);
        assertEquals(ErrorCode.NONE, r.error());
        assertNull(r.errorMessage());
        assertEquals(3, r.numPartitions());
        assertEquals(1, r.replicationFactor());
        assertNotNull(r.topicId());
        ConfigDescription retention = r.configs().stream().filter(c -> c.name().equals("retention.ms")).findFirst()
            .orElseThrow();
        assertEquals("1000", retention.value());
        assertEquals(ConfigSource.TOPIC_CONFIG, retention.source());

        MetadataImage image = controller.image();
        // 1 topic + 2 configs + 3 partitions
        assertEquals(before + 6, image.offset());
        TopicImage t = image.topic("orders");
        assertEquals(r.topicId(), t.id());
        assertEquals(t, image.topic(r.topicId()));
        assertEquals(3, t.numPartitions());
        assertEquals(Map.of("retention.ms", "1000", "cleanup.policy", "compact"), t.configs());
        for (int p = 0; p < 3; p++) {
            PartitionRegistration part = t.partition(p);
            assertEquals(List.of(1), part.replicas());
            assertEquals(List.of(1), part.isr());
            assertEquals(1, part.leader());
            assertEquals(0, part.leaderEpoch());
            assertEquals(0, part.partitionEpoch());
        }
    }

    @Test
    void defaultsComeFromStaticProperties() throws IOException {
        start(Map.of("num.partitions", "4", "default.replication.factor", "1"));
        controller.registerUnfenced(1, null);
        CreateTopicResult r = get(controller.createTopics(List.of(CreateTopicRequest.of("d", -1, -1)), false)).get(0);
        assertEquals(ErrorCode.NONE, r.error());
        assertEquals(4, r.numPartitions());
        assertEquals(4, controller.image().topic("d").numPartitions());
    }

    private CreateTopicResult create(CreateTopicRequest request) {
        return get(controller.createTopics(List.of(request), false)).get(0);
    }

    private void assertCreateFails(ErrorCode expected, CreateTopicRequest request, String messagePart) {
        long offset = controller.image().offset();
        CreateTopicResult r = create(request);
        assertEquals(expected, r.error(), request.toString() + ": " + r.errorMessage());
        if (messagePart != null) {
            assertTrue(r.errorMessage().contains(messagePart), r.errorMessage());
        }
        assertNull(r.topicId());
        assertEquals(offset, controller.image().offset(), "a failed create must not write");
    }

    @Test
    void createTopicErrorCodes() throws IOException {
        startWithBroker();
        assertEquals(ErrorCode.NONE, create(CreateTopicRequest.of("existing", 1, 1)).error());
        assertEquals(ErrorCode.NONE, create(CreateTopicRequest.of("a_b", 1, 1)).error());
        assertEquals(ErrorCode.NONE, create(CreateTopicRequest.of("x".repeat(249), 1, 1)).error());

        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("", 1, 1), "empty");
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of(".", 1, 1), null);
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("..", 1, 1), null);
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("y".repeat(250), 1, 1), "249");
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("a/b", 1, 1), "character");
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("ü", 1, 1), "character");
        assertCreateFails(ErrorCode.TOPIC_ALREADY_EXISTS, CreateTopicRequest.of("existing", 1, 1), "existing");
        assertCreateFails(ErrorCode.INVALID_TOPIC_EXCEPTION, CreateTopicRequest.of("a.b", 1, 1), "collides");
        assertCreateFails(ErrorCode.INVALID_PARTITIONS, CreateTopicRequest.of("p0", 0, 1), null);
        assertCreateFails(ErrorCode.INVALID_PARTITIONS, CreateTopicRequest.of("p0", -2, 1), null);
        assertCreateFails(ErrorCode.INVALID_PARTITIONS, CreateTopicRequest.of("p0", 1_000_000, 1), "limit");
        assertCreateFails(ErrorCode.INVALID_REPLICATION_FACTOR, CreateTopicRequest.of("r0", 1, 0), null);
        assertCreateFails(ErrorCode.INVALID_REPLICATION_FACTOR, CreateTopicRequest.of("r0", 1, -3), null);
        assertCreateFails(ErrorCode.INVALID_REPLICATION_FACTOR, CreateTopicRequest.of("r2", 1, 2),
            "only 1 broker(s)");
        assertCreateFails(ErrorCode.INVALID_REQUEST,
            new CreateTopicRequest("both", 1, -1, Map.of(0, List.of(1)), Map.of()), "Both");
        assertCreateFails(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            new CreateTopicRequest("gap", -1, -1, Map.of(0, List.of(1), 2, List.of(1)), Map.of()), "consecutive");
        assertCreateFails(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            new CreateTopicRequest("empty", -1, -1, Map.of(0, List.of()), Map.of()), "empty");
        assertCreateFails(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            new CreateTopicRequest("dup", -1, -1, Map.of(0, List.of(1, 1)), Map.of()), "more than once");
        assertCreateFails(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            new CreateTopicRequest("unknown", -1, -1, Map.of(0, List.of(7)), Map.of()), "broker 7");
        assertCreateFails(ErrorCode.INVALID_CONFIG,
            new CreateTopicRequest("cfg", 1, 1, Map.of(), Map.of("no.such.config", "1")), "no.such.config");
        assertCreateFails(ErrorCode.INVALID_CONFIG,
            new CreateTopicRequest("cfg", 1, 1, Map.of(), Map.of("retention.ms", "abc")), "retention.ms");
        assertCreateFails(ErrorCode.INVALID_CONFIG,
            new CreateTopicRequest("cfg", 1, 1, Map.of(), Map.of("min.insync.replicas", "0")), "min.insync.replicas");
        assertCreateFails(ErrorCode.INVALID_CONFIG,
            new CreateTopicRequest("cfg", 1, 1, Map.of(), Map.of("cleanup.policy", "compact,shred")),
            "cleanup.policy");
        Map<String, String> nullValue = new java.util.HashMap<>();
        nullValue.put("retention.ms", null);
        assertCreateFails(ErrorCode.INVALID_CONFIG, new CreateTopicRequest("cfg", 1, 1, Map.of(), nullValue),
            "retention.ms");
        assertEquals(3, controller.image().topicsByName().size());
    }

    @Test
    void inconsistentAssignmentSizesNeedTwoBrokers() throws IOException {
        startWithBroker();
        controller.registerUnfenced(2, null);
        CreateTopicResult bad = create(new CreateTopicRequest("t", -1, -1,
            Map.of(0, List.of(1, 2), 1, List.of(2)), Map.of()));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, bad.error());
        CreateTopicResult ok = create(new CreateTopicRequest("t", -1, -1,
            Map.of(0, List.of(2, 1), 1, List.of(1, 2)), Map.of()));
        assertEquals(ErrorCode.NONE, ok.error());
        assertEquals(2, ok.replicationFactor());
        PartitionRegistration p0 = controller.image().topic("t").partition(0);
        assertEquals(List.of(2, 1), p0.replicas());
        assertEquals(2, p0.leader());
        CreateTopicResult placed = create(CreateTopicRequest.of("placed", 4, 2));
        assertEquals(ErrorCode.NONE, placed.error());
        for (PartitionRegistration p : controller.image().topic("placed").partitions().values()) {
            assertEquals(2, p.replicas().size());
            assertEquals(2, Set2.of(p.replicas()).size());
        }
    }

    /** A tiny set helper so the test reads clearly. */
    private static final class Set2 {
        static java.util.Set<Integer> of(List<Integer> l) {
            return new java.util.HashSet<>(l);
        }
    }

    @Test
    void oneRequestWithDuplicatesCollisionsAndGoodTopics() throws IOException {
        startWithBroker();
        List<CreateTopicResult> results = get(controller.createTopics(List.of(
            CreateTopicRequest.of("good", 1, 1),
            CreateTopicRequest.of("twice", 1, 1),
            CreateTopicRequest.of("twice", 2, 1),
            CreateTopicRequest.of("x.y", 1, 1),
            CreateTopicRequest.of("x_y", 1, 1),
            CreateTopicRequest.of("bad name", 1, 1)), false));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE,
            ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_TOPIC_EXCEPTION),
            results.stream().map(CreateTopicResult::error).toList());
        assertEquals(java.util.Set.of("good", "x.y"), controller.image().topicsByName().keySet());
    }

    @Test
    void validateOnlyChangesNothing() throws IOException {
        startWithBroker();
        MetadataImage before = controller.image();
        CreateTopicResult r = get(controller.createTopics(List.of(new CreateTopicRequest("v", 2, 1, Map.of(),
            Map.of("retention.ms", "5"))), true)).get(0);
        assertEquals(ErrorCode.NONE, r.error());
        assertNull(r.topicId());
        assertEquals(2, r.numPartitions());
        CreateTopicResult bad = get(controller.createTopics(List.of(CreateTopicRequest.of("v", 1, 9)), true)).get(0);
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, bad.error());
        assertEquals(before.offset(), controller.image().offset());
        assertNull(controller.image().topic("v"));

        create(CreateTopicRequest.of("v", 2, 1));
        MetadataImage afterCreate = controller.image();
        assertEquals(ErrorCode.NONE, get(controller.createPartitions(
            List.of(new CreatePartitionsRequest("v", 5, null)), true)).get(0).error());
        assertEquals(ErrorCode.NONE, get(controller.incrementalAlterConfigs(List.of(new AlterConfigsRequest(
            ConfigResource.topic("v"), List.of(AlterConfigOp.set("retention.ms", "7")))), true)).get(0).error());
        assertEquals(ErrorCode.NONE, get(controller.alterConfigs(List.of(new AlterConfigsRequest(
            ConfigResource.topic("v"), List.of(AlterConfigOp.set("retention.ms", "7")))), true)).get(0).error());
        assertEquals(afterCreate.offset(), controller.image().offset());
        assertEquals(2, controller.image().topic("v").numPartitions());
        assertEquals(Map.of(), controller.image().topic("v").configs());
    }

    @Test
    void deleteTopicsByNameAndIdWithErrorCodes() throws IOException {
        startWithBroker();
        CreateTopicResult a = create(CreateTopicRequest.of("a", 2, 1));
        CreateTopicResult b = create(new CreateTopicRequest("b", 1, 1, Map.of(), Map.of("retention.ms", "9")));
        create(CreateTopicRequest.of(TopicNames.CONSUMER_OFFSETS, 1, 1));
        java.util.UUID unknownId = new java.util.UUID(9, 9);
        List<DeleteTopicResult> results = get(controller.deleteTopics(List.of(
            TopicRef.byName("a"),
            TopicRef.byId(b.topicId()),
            TopicRef.byName("missing"),
            TopicRef.byId(unknownId),
            TopicRef.byName(TopicNames.CONSUMER_OFFSETS),
            new TopicRef(null, null))));
        assertEquals(new DeleteTopicResult("a", a.topicId(), ErrorCode.NONE, null), results.get(0));
        assertEquals(new DeleteTopicResult("b", b.topicId(), ErrorCode.NONE, null), results.get(1));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, results.get(2).error());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_ID, results.get(3).error());
        assertEquals(unknownId, results.get(3).topicId());
        assertEquals(ErrorCode.INVALID_REQUEST, results.get(4).error());
        assertEquals(ErrorCode.INVALID_REQUEST, results.get(5).error());
        MetadataImage image = controller.image();
        assertNull(image.topic("a"));
        assertNull(image.topic(a.topicId()));
        assertNull(image.topic("b"));
        assertNotNull(image.topic(TopicNames.CONSUMER_OFFSETS));

        List<DeleteTopicResult> dups = get(controller.deleteTopics(List.of(TopicRef.byName("x"),
            TopicRef.byName("x"))));
        assertEquals(List.of(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST),
            dups.stream().map(DeleteTopicResult::error).toList());

        // Re-creating a deleted name gives a new id and no leftover configs.
        CreateTopicResult b2 = create(CreateTopicRequest.of("b", 1, 1));
        assertNotEquals(b.topicId(), b2.topicId());
        assertEquals(Map.of(), controller.image().topic("b").configs());
    }

    @Test
    void deletionCanBeDisabled() throws IOException {
        start(Map.of("delete.topic.enable", "false"));
        controller.registerUnfenced(1, null);
        create(CreateTopicRequest.of("keep", 1, 1));
        assertEquals(ErrorCode.TOPIC_DELETION_DISABLED,
            get(controller.deleteTopics(List.of(TopicRef.byName("keep")))).get(0).error());
        assertNotNull(controller.image().topic("keep"));
    }

    @Test
    void createPartitionsWithErrorCodes() throws IOException {
        startWithBroker();
        create(CreateTopicRequest.of("t", 2, 1));
        create(CreateTopicRequest.of(TopicNames.TRANSACTION_STATE, 1, 1));
        List<ApiResult<String>> results = get(controller.createPartitions(List.of(
            new CreatePartitionsRequest("t", 5, null),
            new CreatePartitionsRequest("missing", 3, null),
            new CreatePartitionsRequest(TopicNames.TRANSACTION_STATE, 3, null)), false));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST),
            results.stream().map(ApiResult::error).toList());
        TopicImage t = controller.image().topic("t");
        assertEquals(5, t.numPartitions());
        assertEquals(List.of(1), t.partition(4).replicas());
        assertEquals(1, t.partition(4).leader());

        assertEquals(ErrorCode.INVALID_PARTITIONS, createPartitions(new CreatePartitionsRequest("t", 5, null)));
        assertEquals(ErrorCode.INVALID_PARTITIONS, createPartitions(new CreatePartitionsRequest("t", 3, null)));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            createPartitions(new CreatePartitionsRequest("t", 7, List.of(List.of(1)))));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            createPartitions(new CreatePartitionsRequest("t", 6, List.of(List.of(3)))));
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            createPartitions(new CreatePartitionsRequest("t", 6, List.of(List.of(1, 1)))));
        assertEquals(ErrorCode.INVALID_REQUEST, get(controller.createPartitions(List.of(
            new CreatePartitionsRequest("t", 8, null), new CreatePartitionsRequest("t", 9, null)), false))
            .get(0).error());
        assertEquals(5, controller.image().topic("t").numPartitions());
        assertEquals(ErrorCode.NONE, createPartitions(new CreatePartitionsRequest("t", 6, List.of(List.of(1)))));
        assertEquals(6, controller.image().topic("t").numPartitions());
    }

    private ErrorCode createPartitions(CreatePartitionsRequest request) {
        return get(controller.createPartitions(List.of(request), false)).get(0).error();
    }

    private ApiResult<ConfigResource> incremental(ConfigResource resource, AlterConfigOp... ops) {
        return get(controller.incrementalAlterConfigs(List.of(new AlterConfigsRequest(resource, List.of(ops))),
            false)).get(0);
    }

    @Test
    void incrementalAlterConfigsOnTopics() throws IOException {
        startWithBroker();
        create(CreateTopicRequest.of("t", 1, 1));
        ConfigResource t = ConfigResource.topic("t");
        assertEquals(ErrorCode.NONE, incremental(t, AlterConfigOp.set("retention.ms", "100"),
            AlterConfigOp.set("max.message.bytes", "2048")).error());
        assertEquals(Map.of("retention.ms", "100", "max.message.bytes", "2048"),
            controller.image().topic("t").configs());
        assertEquals(ErrorCode.NONE, incremental(t, AlterConfigOp.delete("retention.ms"),
            new AlterConfigOp("cleanup.policy", "compact", AlterConfigOp.OpType.APPEND)).error());
        assertEquals(Map.of("max.message.bytes", "2048", "cleanup.policy", "delete,compact"),
            controller.image().topic("t").configs());
        assertEquals(ErrorCode.NONE, incremental(t,
            new AlterConfigOp("cleanup.policy", "delete", AlterConfigOp.OpType.SUBTRACT)).error());
        assertEquals("compact", controller.image().topic("t").configs().get("cleanup.policy"));

        long offset = controller.image().offset();
        ApiResult<ConfigResource> appendToLong = incremental(t,
            new AlterConfigOp("retention.ms", "5", AlterConfigOp.OpType.APPEND));
        assertEquals(ErrorCode.INVALID_CONFIG, appendToLong.error());
        assertTrue(appendToLong.errorMessage().contains("retention.ms"));
        assertEquals(ErrorCode.INVALID_CONFIG, incremental(t,
            new AlterConfigOp("cleanup.policy", "compact", AlterConfigOp.OpType.SUBTRACT)).error());
        assertEquals(ErrorCode.INVALID_CONFIG, incremental(t, AlterConfigOp.set("bogus.key", "1")).error());
        assertEquals(ErrorCode.INVALID_CONFIG, incremental(t, AlterConfigOp.set("segment.bytes", "10")).error());
        assertEquals(ErrorCode.INVALID_REQUEST, incremental(t, AlterConfigOp.set("retention.ms", "1"),
            AlterConfigOp.delete("retention.ms")).error());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            incremental(ConfigResource.topic("nope"), AlterConfigOp.set("retention.ms", "1")).error());
        // A change to the same value writes nothing.
        assertEquals(ErrorCode.NONE, incremental(t, AlterConfigOp.set("max.message.bytes", "2048")).error());
        assertEquals(offset, controller.image().offset());
    }

    @Test
    void legacyAlterConfigsReplacesTheWholeSet() throws IOException {
        startWithBroker();
        create(new CreateTopicRequest("t", 1, 1, Map.of(), Map.of("retention.ms", "100", "segment.ms", "5000")));
        List<ApiResult<ConfigResource>> r = get(controller.alterConfigs(List.of(new AlterConfigsRequest(
            ConfigResource.topic("t"), List.of(AlterConfigOp.set("retention.bytes", "1000")))), false));
        assertEquals(ErrorCode.NONE, r.get(0).error());
        assertEquals(Map.of("retention.bytes", "1000"), controller.image().topic("t").configs());
        List<ApiResult<ConfigResource>> dup = get(controller.alterConfigs(List.of(
            new AlterConfigsRequest(ConfigResource.topic("t"), List.of()),
            new AlterConfigsRequest(ConfigResource.topic("t"), List.of())), false));
        assertEquals(ErrorCode.INVALID_REQUEST, dup.get(0).error());
        assertEquals(Map.of("retention.bytes", "1000"), controller.image().topic("t").configs());
    }

    @Test
    void dynamicBrokerConfigsFeedTopicDescriptions() throws IOException {
        start(Map.of("log.retention.hours", "24"));
        controller.registerUnfenced(1, null);
        create(CreateTopicRequest.of("t", 1, 1));
        ConfigDescription retention = describe("t", "retention.ms");
        assertEquals("86400000", retention.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, retention.source());

        assertEquals(ErrorCode.NONE, incremental(ConfigResource.clusterDefault(),
            AlterConfigOp.set("log.retention.ms", "5000")).error());
        assertEquals(Map.of("log.retention.ms", "5000"), controller.image().brokerConfigs(""));
        retention = describe("t", "retention.ms");
        assertEquals("5000", retention.value());
        assertEquals(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, retention.source());

        assertEquals(ErrorCode.NONE, incremental(ConfigResource.broker(1),
            AlterConfigOp.set("log.retention.minutes", "2")).error());
        retention = describe("t", "retention.ms");
        assertEquals("120000", retention.value());
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, retention.source());
        assertEquals(List.of(ConfigSource.DYNAMIC_BROKER_CONFIG, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
            ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG),
            retention.synonyms().stream().map(ConfigDescription.Synonym::source).toList());

        assertEquals(ErrorCode.INVALID_REQUEST, incremental(new ConfigResource(ConfigResource.Type.BROKER, "x"),
            AlterConfigOp.set("log.retention.ms", "1")).error());
        assertEquals(ErrorCode.INVALID_CONFIG, incremental(ConfigResource.clusterDefault(),
            AlterConfigOp.set("broker.id", "1")).error());
        assertEquals(ErrorCode.INVALID_CONFIG, incremental(ConfigResource.clusterDefault(),
            AlterConfigOp.set("log.segment.bytes", "12")).error());
        assertNull(controller.describeTopicConfigs("missing"));
    }

    private ConfigDescription describe(String topic, String key) {
        return controller.describeTopicConfigs(topic).stream().filter(c -> c.name().equals(key)).findFirst()
            .orElseThrow();
    }

    private void populate() {
        controller.registerUnfenced(1, "r1");
        create(new CreateTopicRequest("keep", 3, 1, Map.of(), Map.of("retention.ms", "1234")));
        create(CreateTopicRequest.of("gone", 2, 1));
        create(CreateTopicRequest.of("grow", 1, 1));
        get(controller.createPartitions(List.of(new CreatePartitionsRequest("grow", 4, null)), false));
        incremental(ConfigResource.topic("grow"), AlterConfigOp.set("cleanup.policy", "compact"));
        incremental(ConfigResource.clusterDefault(), AlterConfigOp.set("log.retention.ms", "999"));
        get(controller.deleteTopics(List.of(TopicRef.byName("gone"))));
    }

    @Test
    void restartFromTheLogAloneRebuildsTheSameImage() throws IOException {
        start(Map.of());
        populate();
        MetadataImage before = controller.image();
        restart();
        MetadataImage after = controller.image();
        assertTrue(before.sameContent(after), before + " vs " + after);
        assertEquals(before.offset(), after.offset());
        assertEquals("1234", after.topic("keep").configs().get("retention.ms"));
        assertEquals(4, after.topic("grow").numPartitions());
        assertNull(after.topic("gone"));
        assertEquals(before.topic("keep").id(), after.topic("keep").id());
        // New writes continue after the recovered offset.
        create(CreateTopicRequest.of("later", 1, 1));
        assertEquals(after.offset() + 2, controller.image().offset());
    }

    @Test
    void restartFromSnapshotPlusLog() throws IOException {
        start(Map.of());
        populate();
        long snapshotEnd = get(controller.snapshot());
        assertEquals(controller.image().offset() + 1, snapshotEnd);
        create(CreateTopicRequest.of("after-snapshot", 2, 1));
        get(controller.deleteTopics(List.of(TopicRef.byName("keep"))));
        MetadataImage before = controller.image();
        restart();
        assertTrue(before.sameContent(controller.image()));
        assertEquals(before.offset(), controller.image().offset());
        Path metaDir = dir.resolve(RaftLog.DIR_NAME);
        assertEquals(1, ControllerTestSupport.snapshotFiles(dir).size());
        // Segments before the snapshot were deleted.
        try (var files = Files.list(metaDir)) {
            assertTrue(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                .allMatch(n -> Long.parseLong(n.substring(0, 20)) >= snapshotEnd));
        }
    }

    @Test
    void automaticSnapshotsEveryNRecords() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).snapshotMaxRecords(10)
            .build());
        controller.registerUnfenced(1, null);
        for (int i = 0; i < 10; i++) {
            create(CreateTopicRequest.of("t" + i, 2, 1));
        }
        assertFalse(ControllerTestSupport.snapshotFiles(dir).isEmpty());
        MetadataImage before = controller.image();
        restart();
        assertTrue(before.sameContent(controller.image()));
    }

    @Test
    void tornLastEntryLosesOnlyTheLastOperation() throws IOException {
        start(Map.of());
        populate();
        MetadataImage before = controller.image();
        create(CreateTopicRequest.of("torn", 1, 1));
        controller.close();
        controller = null;
        Path metaDir = dir.resolve(RaftLog.DIR_NAME);
        Path segment;
        try (var files = Files.list(metaDir)) {
            segment = files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segment);
        Files.write(segment, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        restart2();
        assertTrue(before.sameContent(controller.image()));
        assertNull(controller.image().topic("torn"));
    }

    private void restart2() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
    }

    @Test
    void listenersSeeTheWholeImageThenEveryCommitBeforeTheFutureCompletes() throws IOException {
        startWithBroker();
        create(CreateTopicRequest.of("first", 1, 1));
        List<MetadataDelta> deltas = new ArrayList<>();
        List<MetadataImage> images = new ArrayList<>();
        get(controller.addListener((delta, image) -> {
            deltas.add(delta);
            images.add(image);
        }));
        assertEquals(1, deltas.size());
        assertEquals(MetadataImage.EMPTY, deltas.get(0).base());
        assertEquals(1, deltas.get(0).createdTopicIds().size());
        assertEquals(java.util.Set.of(1), deltas.get(0).registeredBrokers());

        CompletableFuture<List<CreateTopicResult>> f = controller.createTopics(
            List.of(CreateTopicRequest.of("second", 2, 1)), false);
        CreateTopicResult r = get(f).get(0);
        assertEquals(2, deltas.size());
        MetadataDelta d = deltas.get(1);
        assertEquals(java.util.Set.of(r.topicId()), d.createdTopicIds());
        assertEquals(2, d.changedPartitions(r.topicId()).size());
        assertEquals(images.get(1), controller.image());

        get(controller.deleteTopics(List.of(TopicRef.byName("first"))));
        assertEquals(3, deltas.size());
        assertEquals(List.of("first"), deltas.get(2).deletedTopics().stream().map(TopicImage::name).toList());
    }

    @Test
    void concurrentOperationsAllCommitInOrder() throws IOException {
        startWithBroker();
        List<CompletableFuture<List<CreateTopicResult>>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(controller.createTopics(List.of(CreateTopicRequest.of("c" + i, 1, 1)), false));
        }
        for (CompletableFuture<List<CreateTopicResult>> f : futures) {
            assertEquals(ErrorCode.NONE, get(f).get(0).error());
        }
        assertEquals(200, controller.image().topicsByName().size());
        restart();
        assertEquals(200, controller.image().topicsByName().size());
    }

    @Test
    void operationsAfterCloseFailWithNotController() throws IOException {
        start(Map.of());
        controller.close();
        SamsaException e = assertThrows(SamsaException.class, () -> get(controller.registerBroker(1, ENDPOINTS,
            null)));
        assertEquals(ErrorCode.NOT_CONTROLLER, e.errorCode());
        controller = null;
    }

    @Test
    void producerIdBlocksFollowOneAnotherAcrossRestartsAndSnapshots() throws IOException {
        start(Map.of());
        BrokerRegistration reg = get(controller.registerBroker(1, ENDPOINTS, null));
        ProducerIdBlock first = get(controller.allocateProducerIds(1, reg.brokerEpoch()));
        assertEquals(new ProducerIdBlock(1, 0, 1000), first);
        assertEquals(1000, get(controller.allocateProducerIds(1, reg.brokerEpoch())).firstProducerId());
        assertEquals(2000, controller.image().nextProducerId());
        SamsaException stale = assertThrows(SamsaException.class,
            () -> get(controller.allocateProducerIds(1, reg.brokerEpoch() + 5)));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.errorCode());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, assertThrows(SamsaException.class,
            () -> get(controller.allocateProducerIds(2, 0))).errorCode());
        restart();
        BrokerRegistration again = get(controller.registerBroker(1, ENDPOINTS, null));
        assertEquals(2000, get(controller.allocateProducerIds(1, again.brokerEpoch())).firstProducerId());
        get(controller.snapshot());
        restart();
        assertEquals(3000, controller.image().nextProducerId());
        assertEquals(3000, get(controller.allocateProducerIds(1, again.brokerEpoch())).firstProducerId());
    }
}
