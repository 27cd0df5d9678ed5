package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.common.Clock;
import io.samsa.common.ManualClock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.ApiResult;
import io.samsa.controller.ClientQuotaAlteration;
import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.controller.DeleteTopicResult;
import io.samsa.controller.ElectionType;
import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.ProducerIdBlock;
import io.samsa.controller.Reassignment;
import io.samsa.controller.TopicPartition;
import io.samsa.controller.TopicRef;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.handler.controller.ControllerApis;
import io.samsa.server.metadata.ControllerNode;
import io.samsa.server.metadata.MetadataQuorum;
import io.samsa.server.metadata.RaftFactory;
import io.samsa.server.network.RequestDecoder;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.EnvelopeResponse;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RemoteController} against a real controller without sockets: each request is written as on the wire,
 * read by the controller listener's own API table ({@link ControllerApis}: the handlers, the Envelope), and the
 * answer written and read back. Every operation answers as the local controller does, with its commit offset; a
 * node that is not the active controller is passed over; a controller nobody reaches times the operation out.
 */
class RemoteControllerTest {
    private static final List<Endpoint> LISTENERS = List.of(new Endpoint("PLAINTEXT", "h", 9092, "PLAINTEXT"));

    @TempDir
    Path dir;
    private MetadataQuorum quorum;
    private ControllerNode node;
    private Controller local;
    private ThreadExecutor handlerThread;
    private ThreadExecutor remoteThread;
    private WireChannel channel;
    private RemoteController remote;

    /** Node 1 answers through the controller's API table; node 7, when present, answers NOT_CONTROLLER. */
    private final class WireChannel implements BrokerChannel {
        final SupportedApis apis;
        final List<Integer> sentTo = new CopyOnWriteArrayList<>();
        final AtomicInteger correlation = new AtomicInteger();
        volatile boolean unreachable;

        WireChannel(SupportedApis apis) {
            this.apis = apis;
        }

        @Override
        public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
            sentTo.add(nodeId);
            if (unreachable) {
                return CompletableFuture.failedFuture(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "down"));
            }
            if (nodeId == 7) {
                Message refusal = request.apiKey() == 58 ? new EnvelopeResponse()
                        .setErrorCode(ErrorCode.NOT_CONTROLLER.code())
                        : new io.samsa.wire.message.BrokerRegistrationResponse()
                        .setErrorCode(ErrorCode.NOT_CONTROLLER.code());
                return CompletableFuture.completedFuture(new BrokerResponse(refusal, null));
            }
            int corr = correlation.incrementAndGet();
            ByteBuf frame = Unpooled.wrappedBuffer(Envelopes.request(request, version, corr, "test"));
            RequestDecoder.Decoded d = new RequestDecoder().decode(frame, apis);
            RequestContext ctx = new RequestContext(d.apiKey(), d.apiVersion(), d.correlationId(), d.clientId(),
                    "CONTROLLER", null, handlerThread, UnpooledByteBufAllocator.DEFAULT, frame, 0L);
            CompletableFuture<BrokerResponse> out = new CompletableFuture<>();
            d.entry().handler().handle(ctx, d.request(), new ResponseSink() {
                @Override
                public void send(Message response) {
                    byte[] bytes = Envelopes.response(response, version, corr);
                    out.complete(new BrokerResponse(Envelopes.readResponse(bytes, request.apiKey(), version), null));
                }

                @Override
                public void sendNothing() {
                    out.completeExceptionally(new AssertionError("no answer"));
                }

                @Override
                public void closeConnection(String reason) {
                    out.completeExceptionally(new AssertionError("closed: " + reason));
                }
            });
            return out;
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void start() throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        QuorumPlan plan = new QuorumPlan(QuorumPlan.Kind.SINGLE_VOTER, 1, Map.of(), List.of());
        quorum = MetadataQuorum.open(plan, dir, null, RaftFactory.SINGLE_VOTER, clock);
        node = ControllerNode.start(ControllerConfig.builder(1).clock(clock).sessionCheckIntervalMs(Long.MAX_VALUE / 4)
                .build(), quorum);
        local = node.controller();
        handlerThread = new ThreadExecutor("test-handlers");
        remoteThread = new ThreadExecutor("test-remote");
        channel = new WireChannel(ControllerApis.build(new ControllerApis.Context(1, local, quorum.raft(), null,
                () -> Map.of(1, new QuorumVoter(1, "c1", 9093)), "CONTROLLER", local::clusterId)));
        remote = remote(List.of(1), 10_000, Clock.SYSTEM);
    }

    private RemoteController remote(List<Integer> targets, long timeoutMs, Clock clock) {
        AtomicInteger next = new AtomicInteger();
        return new RemoteController(2, channel, new RemoteController.ControllerLocator() {
            @Override
            public int target() {
                return targets.get(Math.floorMod(next.getAndIncrement(), targets.size()));
            }

            @Override
            public void failed(int node) {
            }
        }, remoteThread, clock, new RemoteController.Settings("test", timeoutMs, 5));
    }

    @AfterEach
    void stop() {
        remote.close();
        node.close();
        quorum.close();
        remoteThread.close();
        handlerThread.close();
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private BrokerRegistration registerUnfenced(Controller c, int id) throws Exception {
        BrokerRegistration reg = get(c.registerBroker(new BrokerRegistrationRequest(id, null, UUID.randomUUID(),
                LISTENERS, Map.of(), "r" + id))).value();
        Committed<BrokerHeartbeatReply> hb = get(c.brokerHeartbeat(new BrokerHeartbeatRequest(id, reg.brokerEpoch(),
                Long.MAX_VALUE, false, false)));
        assertFalse(hb.value().isFenced());
        return reg;
    }

    @Test
    void brokersRegisterHeartbeatAndGetProducerIdsWithCommitOffsets() throws Exception {
        Committed<BrokerRegistration> reg = get(remote.registerBroker(new BrokerRegistrationRequest(2, null,
                UUID.randomUUID(), LISTENERS, Map.of(), "r2")));
        assertTrue(reg.value().fenced());
        assertEquals(reg.value().brokerEpoch(), reg.offset(), "registration's commit offset: its own record");
        Committed<BrokerHeartbeatReply> behind = get(remote.brokerHeartbeat(new BrokerHeartbeatRequest(2,
                reg.value().brokerEpoch(), reg.value().brokerEpoch() - 1, false, false)));
        assertEquals(new BrokerHeartbeatReply(false, true, false), behind.value());
        Committed<BrokerHeartbeatReply> unfenced = get(remote.brokerHeartbeat(new BrokerHeartbeatRequest(2,
                reg.value().brokerEpoch(), reg.value().brokerEpoch(), false, false)));
        assertEquals(new BrokerHeartbeatReply(true, false, false), unfenced.value());
        assertEquals(reg.offset() + 1, unfenced.offset(), "the unfencing record");
        Committed<ProducerIdBlock> block = get(remote.allocateProducerIds(2, reg.value().brokerEpoch()));
        assertEquals(new ProducerIdBlock(2, 0, ProducerIdBlock.SIZE), block.value());
        SamsaException stale = assertThrows(SamsaException.class, () -> get(remote.allocateProducerIds(2, 99)));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.errorCode());
        SamsaException dup = assertThrows(SamsaException.class, () -> get(remote.registerBroker(
                new BrokerRegistrationRequest(2, null, UUID.randomUUID(), LISTENERS, Map.of(), "r2"))));
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, dup.errorCode());
        get(remote.unregisterBroker(2));
        assertEquals(ErrorCode.BROKER_ID_NOT_REGISTERED, assertThrows(SamsaException.class,
                () -> get(remote.unregisterBroker(2))).errorCode());
    }

    /** The fields of a create result a CreateTopics response carries. */
    private static List<Object> wire(CreateTopicResult r) {
        List<Object> configs = new ArrayList<>();
        for (ConfigDescription c : r.configs()) {
            configs.add(List.of(c.name(), String.valueOf(c.value()), c.source(), c.readOnly(), c.sensitive()));
        }
        return List.of(r.name(), String.valueOf(r.topicId()), r.error(), String.valueOf(r.errorMessage()),
                r.numPartitions(), r.replicationFactor(), configs);
    }

    @Test
    void forwardedAdminOperationsAnswerAsTheLocalControllerDoes() throws Exception {
        registerUnfenced(local, 1);
        List<CreateTopicRequest> topics = List.of(
                new CreateTopicRequest("orders", 3, 1, Map.of(), Map.of("retention.ms", "1000")),
                CreateTopicRequest.of("wide", 1, 2),
                new CreateTopicRequest("bad", 1, 1, Map.of(), Map.of("no.such.config", "1")));
        Committed<List<CreateTopicResult>> created = get(remote.createTopics(topics, false));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.INVALID_CONFIG),
                created.value().stream().map(CreateTopicResult::error).toList());
        assertEquals(3, created.value().get(0).numPartitions());
        assertTrue(created.offset() > 0, "the creation's commit offset came back");
        // The same requests, validated only, answered alike by the local controller and through the wire.
        List<CreateTopicRequest> again = List.of(CreateTopicRequest.of("x", 2, 1), CreateTopicRequest.of("wide", 1,
                2), CreateTopicRequest.of("orders", 1, 1));
        List<CreateTopicResult> direct = get(local.createTopics(again, true)).value();
        List<CreateTopicResult> forwarded = get(remote.createTopics(again, true)).value();
        assertEquals(direct.stream().map(RemoteControllerTest::wire).toList(),
                forwarded.stream().map(RemoteControllerTest::wire).toList());

        List<ApiResult<String>> grown = get(remote.createPartitions(List.of(new CreatePartitionsRequest("orders", 5,
                null), new CreatePartitionsRequest("missing", 2, null)), false)).value();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
                grown.stream().map(ApiResult::error).toList());

        List<ApiResult<ConfigResource>> configs = get(remote.incrementalAlterConfigs(List.of(
                new AlterConfigsRequest(ConfigResource.topic("orders"), List.of(AlterConfigOp.set("retention.ms",
                        "5000"))),
                new AlterConfigsRequest(ConfigResource.topic("missing"), List.of(AlterConfigOp.set("nope", "1")))),
                false)).value();
        assertEquals(ErrorCode.NONE, configs.get(0).error());
        assertEquals(ConfigResource.topic("orders"), configs.get(0).key());
        List<ApiResult<ConfigResource>> legacy = get(remote.alterConfigs(List.of(new AlterConfigsRequest(
                ConfigResource.clusterDefault(), List.of(AlterConfigOp.set("log.retention.ms", "7")))), false))
                .value();
        assertEquals(ErrorCode.NONE, legacy.get(0).error());

        // AlterClientQuotas in an Envelope: one result per entry, in order, with the controller's codes.
        Committed<List<ApiResult<Integer>>> quotas = get(remote.alterClientQuotas(List.of(
                new ClientQuotaAlteration(List.of(new ClientQuotaAlteration.Component("user", null)),
                        List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 1024, false))),
                new ClientQuotaAlteration(List.of(new ClientQuotaAlteration.Component("user", "a")),
                        List.of(new ClientQuotaAlteration.Op("no_such_quota", 1, false)))), false));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_REQUEST),
                quotas.value().stream().map(ApiResult::error).toList());
        assertEquals(List.of(0, 1), quotas.value().stream().map(ApiResult::key).toList());
        assertTrue(quotas.offset() > 0, "the quota's commit offset came back");

        TopicPartition tp = new TopicPartition("orders", 0);
        assertEquals(List.of(ErrorCode.ELECTION_NOT_NEEDED), get(remote.electLeaders(ElectionType.PREFERRED,
                List.of(tp))).value().stream().map(ApiResult::error).toList());
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS), get(
                remote.alterPartitionReassignments(List.of(new Reassignment(tp, List.of(1)),
                        new Reassignment(new TopicPartition("orders", 1), null)), true)).value().stream()
                .map(ApiResult::error).toList());
        assertEquals(List.<OngoingReassignment>of(), get(remote.listPartitionReassignments(null)).value());
        SamsaException unknown = assertThrows(SamsaException.class, () -> get(remote.listPartitionReassignments(
                List.of(new TopicPartition("missing", 0)))));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.errorCode());

        List<DeleteTopicResult> deleted = get(remote.deleteTopics(List.of(TopicRef.byName("orders"),
                TopicRef.byId(UUID.randomUUID())))).value();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_ID),
                deleted.stream().map(DeleteTopicResult::error).toList());
        assertEquals(created.value().get(0).topicId(), deleted.get(0).topicId());
    }

    @Test
    void aNodeThatIsNotTheActiveControllerIsPassedOver() throws Exception {
        remote.close();
        remote = remote(List.of(7, 1), 10_000, Clock.SYSTEM);
        registerUnfenced(local, 1);
        assertEquals(ErrorCode.NONE, get(remote.createTopics(List.of(CreateTopicRequest.of("t", 1, 1)), false))
                .value().get(0).error());
        assertEquals(List.of(7, 1), channel.sentTo);
        get(remote.registerBroker(new BrokerRegistrationRequest(3, null, UUID.randomUUID(), LISTENERS, Map.of(),
                null)));
        assertEquals(List.of(7, 1, 7, 1), channel.sentTo);
    }

    @Test
    void aControllerNobodyReachesTimesTheOperationOut() throws Exception {
        remote.close();
        remote = remote(List.of(1), 100, Clock.SYSTEM);
        channel.unreachable = true;
        SamsaException e = assertThrows(SamsaException.class, () -> get(remote.createTopics(
                List.of(CreateTopicRequest.of("t", 1, 1)), false)));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.errorCode());
        assertTrue(e.getMessage().contains("NETWORK_EXCEPTION"), e.getMessage());
        assertTrue(channel.sentTo.size() > 1, "it tried again");
    }

    @Test
    void anInactiveControllerFailsTheEnvelopeWithNotController() throws Exception {
        node.close();
        remote.close();
        remote = remote(List.of(1), 150, Clock.SYSTEM);
        SamsaException e = assertThrows(SamsaException.class, () -> get(remote.deleteTopics(
                List.of(TopicRef.byName("t")))));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.errorCode());
        assertTrue(e.getMessage().contains("NOT_CONTROLLER"), e.getMessage());
    }
}
