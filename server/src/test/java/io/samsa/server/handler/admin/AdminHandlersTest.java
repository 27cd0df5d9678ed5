package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.config.BrokerConfig;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.message.DescribeConfigsRequest;
import io.samsa.wire.message.DescribeConfigsResponse;
import io.samsa.wire.message.IncrementalAlterConfigsRequest;
import io.samsa.wire.message.IncrementalAlterConfigsResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin handlers' own checks and version rules, with a real controller and no network. */
class AdminHandlersTest {
    @TempDir
    Path dir;

    private static CreateTopicsRequest.CreatableTopic topic(String name, int partitions) {
        return new CreateTopicsRequest.CreatableTopic().setName(name).setNumPartitions(partitions)
                .setReplicationFactor((short) 1);
    }

    @Test
    void createTopicsRefusesDuplicatesBeforeTheController() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of())) {
            CreateTopicsRequest.CreatableTopic twice = new CreateTopicsRequest.CreatableTopic().setName("twice")
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            twice.assignments().add(new CreateTopicsRequest.CreatableReplicaAssignment().setPartitionIndex(0)
                    .setBrokerIds(List.of(1)));
            twice.assignments().add(new CreateTopicsRequest.CreatableReplicaAssignment().setPartitionIndex(0)
                    .setBrokerIds(List.of(1)));
            CreateTopicsRequest req = new CreateTopicsRequest().setTopics(new ArrayList<>(List.of(topic("dup", 1),
                    topic("ok", 2), topic("dup", 1), twice)));
            CreateTopicsResponse resp = h.call(new CreateTopicsHandler(h.metadata), (short) 19, (short) 7, req);
            List<CreateTopicsResponse.CreatableTopicResult> r = resp.topics();
            assertEquals(4, r.size());
            assertEquals(ErrorCode.INVALID_REQUEST.code(), r.get(0).errorCode());
            assertEquals("Duplicate topic name.", r.get(0).errorMessage());
            assertEquals("ok", r.get(1).name());
            assertEquals(ErrorCode.NONE.code(), r.get(1).errorCode());
            assertEquals(2, r.get(1).numPartitions());
            assertEquals(h.metadata.image().topic("ok").id(), r.get(1).topicId());
            assertEquals(ErrorCode.INVALID_REQUEST.code(), r.get(2).errorCode());
            assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT.code(), r.get(3).errorCode());
            assertNull(h.metadata.image().topic("dup"));
            assertNull(h.metadata.image().topic("twice"));
        }
    }

    @Test
    void deletionDisabledIsInvalidRequestBeforeV3() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of("delete.topic.enable", "false"))) {
            h.createTopic("kept", 1);
            DeleteTopicsHandler handler = new DeleteTopicsHandler(h.metadata);
            DeleteTopicsRequest req = new DeleteTopicsRequest().setTopicNames(new ArrayList<>(List.of("kept")));
            DeleteTopicsResponse v2 = h.call(handler, (short) 20, (short) 2, req);
            assertEquals(ErrorCode.INVALID_REQUEST.code(), v2.responses().get(0).errorCode());
            DeleteTopicsResponse v5 = h.call(handler, (short) 20, (short) 5, req);
            assertEquals(ErrorCode.TOPIC_DELETION_DISABLED.code(), v5.responses().get(0).errorCode());
            assertEquals("kept", v5.responses().get(0).name());
        }
    }

    @Test
    void unknownConfigOperationAndResourceTypeAreRefusedPerResource() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of())) {
            h.createTopic("t", 1);
            IncrementalAlterConfigsRequest req = new IncrementalAlterConfigsRequest();
            IncrementalAlterConfigsRequest.AlterConfigsResource badOp = new IncrementalAlterConfigsRequest
                    .AlterConfigsResource().setResourceType((byte) 2).setResourceName("t");
            badOp.configs().add(new IncrementalAlterConfigsRequest.AlterableConfig().setName("retention.ms")
                    .setConfigOperation((byte) 9).setValue("1"));
            IncrementalAlterConfigsRequest.AlterConfigsResource good = new IncrementalAlterConfigsRequest
                    .AlterConfigsResource().setResourceType((byte) 2).setResourceName("t");
            good.configs().add(new IncrementalAlterConfigsRequest.AlterableConfig().setName("retention.ms")
                    .setConfigOperation((byte) 0).setValue("1000"));
            IncrementalAlterConfigsRequest.AlterConfigsResource group = new IncrementalAlterConfigsRequest
                    .AlterConfigsResource().setResourceType((byte) 32).setResourceName("g");
            req.setResources(new ArrayList<>(List.of(badOp, good, group)));
            IncrementalAlterConfigsResponse resp = h.call(new IncrementalAlterConfigsHandler(h.metadata),
                    (short) 44, (short) 1, req);
            assertEquals(List.of(ErrorCode.INVALID_REQUEST.code(), ErrorCode.NONE.code(),
                    ErrorCode.INVALID_REQUEST.code()), resp.responses().stream()
                    .map(IncrementalAlterConfigsResponse.AlterConfigsResourceResponse::errorCode).toList());
            assertEquals("g", resp.responses().get(2).resourceName());
            assertEquals("1000", h.metadata.image().topic("t").configs().get("retention.ms"));
        }
    }

    @Test
    void describeConfigsV0ReportsIsDefaultAndFiltersKeys() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of())) {
            h.createTopic("t", 1);
            DescribeConfigsRequest req = new DescribeConfigsRequest();
            req.resources().add(new DescribeConfigsRequest.DescribeConfigsResource().setResourceType((byte) 2)
                    .setResourceName("t").setConfigurationKeys(new ArrayList<>(List.of("retention.ms"))));
            req.resources().add(new DescribeConfigsRequest.DescribeConfigsResource().setResourceType((byte) 2)
                    .setResourceName("bad/name"));
            DescribeConfigsResponse resp = h.call(new DescribeConfigsHandler(BrokerConfig.from(Map.of()),
                    h.metadata), (short) 32, (short) 0, req);
            DescribeConfigsResponse.DescribeConfigsResult t = resp.results().get(0);
            assertEquals(1, t.configs().size());
            assertEquals("604800000", t.configs().get(0).value());
            assertTrue(t.configs().get(0).isDefault());
            assertFalse(t.configs().get(0).readOnly());
            assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION.code(), resp.results().get(1).errorCode());
        }
    }

    @Test
    void describeClusterRefusesControllerEndpoints() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of())) {
            DescribeClusterHandler handler = new DescribeClusterHandler(h.metadata);
            DescribeClusterResponse brokers = h.call(handler, (short) 60, (short) 1, new DescribeClusterRequest());
            assertEquals(ErrorCode.NONE.code(), brokers.errorCode());
            assertEquals(1, brokers.brokers().size());
            assertEquals("broker1", brokers.brokers().get(0).host());
            assertEquals(Integer.MIN_VALUE, brokers.clusterAuthorizedOperations());
            DescribeClusterResponse controllers = h.call(handler, (short) 60, (short) 1,
                    new DescribeClusterRequest().setEndpointType((byte) 2));
            assertEquals(ErrorCode.MISMATCHED_ENDPOINT_TYPE.code(), controllers.errorCode(), "KIP-919: a broker "
                    + "listener does not describe the controllers");
            assertEquals(-1, controllers.controllerId());
            DescribeClusterResponse unknown = h.call(handler, (short) 60, (short) 1,
                    new DescribeClusterRequest().setEndpointType((byte) 3));
            assertEquals(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE.code(), unknown.errorCode());
        }
    }

    @Test
    void metadataOnAListenerTheLeaderLacksHasNoLeader() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of("auto.create.topics.enable", "false"))) {
            h.createTopic("t", 1);
            MetadataHandler handler = new MetadataHandler(BrokerConfig.from(Map.of()), h.metadata);
            MetadataRequest req = new MetadataRequest().setTopics(null);
            MetadataResponse resp = h.call(handler, (short) 3, (short) 12, req, "INTERNAL");
            assertEquals(List.of(), resp.brokers());
            MetadataResponse.MetadataResponsePartition p = resp.topics().get(0).partitions().get(0);
            assertEquals(ErrorCode.LISTENER_NOT_FOUND.code(), p.errorCode());
            assertEquals(-1, p.leaderId());
        }
    }
}
