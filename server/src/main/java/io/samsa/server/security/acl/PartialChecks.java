package io.samsa.server.security.acl;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddOffsetsToTxnRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.FindCoordinatorResponse;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The checks of the APIs that name topics, groups or transactional ids (see {@link AclChecks}): the resources not
 * authorized are taken out of the request, and their errors are added to the handler's answer. Stateless; runs on
 * the connection's event loop.
 */
final class PartialChecks {
    private static final String CLUSTER = AclResourceType.CLUSTER_NAME;

    private PartialChecks() {
    }

    /** The checking handler of {@code apiKey} around {@code inner}, or null when this class has none. */
    static ApiHandler handler(short apiKey, ApiHandler inner, AclAuthorizer a, Supplier<MetadataImage> image) {
        return switch (apiKey) {
            case 0 -> (ctx, req, sink) -> produce(ctx, (ProduceRequest) req, sink, inner, a, image.get());
            case 1 -> (ctx, req, sink) -> fetch(ctx, (FetchRequest) req, sink, inner, a, image.get());
            case 2 -> (ctx, req, sink) -> listOffsets(ctx, (ListOffsetsRequest) req, sink, inner, a);
            case 3 -> (ctx, req, sink) -> metadata(ctx, (MetadataRequest) req, sink, inner, a, image.get());
            case 8 -> (ctx, req, sink) -> offsetCommit(ctx, (OffsetCommitRequest) req, sink, inner, a, image.get());
            case 9 -> (ctx, req, sink) -> offsetFetch(ctx, (OffsetFetchRequest) req, sink,
                    (c, r, s) -> inner.handle(c, r, withOps(s, resp -> OffsetFetchTopics.check(c, (OffsetFetchRequest) r,
                            (OffsetFetchResponse) resp, a, image.get()))), a);
            case 10 -> (ctx, req, sink) -> findCoordinator(ctx, (FindCoordinatorRequest) req, sink, inner, a);
            case 11 -> group(apiKey, inner, a, r -> ((JoinGroupRequest) r).groupId());
            case 12 -> group(apiKey, inner, a, r -> ((HeartbeatRequest) r).groupId());
            case 13 -> group(apiKey, inner, a, r -> ((LeaveGroupRequest) r).groupId());
            case 14 -> group(apiKey, inner, a, r -> ((SyncGroupRequest) r).groupId());
            case 68 -> group(apiKey, inner, a, r -> ((ConsumerGroupHeartbeatRequest) r).groupId());
            case 15 -> (ctx, req, sink) -> describeGroups(ctx, (DescribeGroupsRequest) req, sink, inner, a);
            case 16 -> (ctx, req, sink) -> listGroups(ctx, req, sink, inner, a);
            case 19 -> (ctx, req, sink) -> createTopics(ctx, (CreateTopicsRequest) req, sink, inner, a);
            case 20 -> (ctx, req, sink) -> deleteTopics(ctx, (DeleteTopicsRequest) req, sink, inner, a, image.get());
            case 22 -> (ctx, req, sink) -> initProducerId(ctx, (InitProducerIdRequest) req, sink, inner, a);
            case 25 -> (ctx, req, sink) -> {
                AddOffsetsToTxnRequest r = (AddOffsetsToTxnRequest) req;
                if (!a.authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, r.transactionalId())) {
                    AclChecks.deny(ctx, apiKey, req, sink, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                            "WRITE on transactional id " + r.transactionalId());
                } else if (!a.authorize(ctx, AclOperation.READ, AclResourceType.GROUP, r.groupId())) {
                    AclChecks.deny(ctx, apiKey, req, sink, ErrorCode.GROUP_AUTHORIZATION_FAILED,
                            "READ on group " + r.groupId());
                } else {
                    inner.handle(ctx, req, sink);
                }
            };
            case 26 -> (ctx, req, sink) -> {
                String id = ((EndTxnRequest) req).transactionalId();
                if (a.authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, id)) {
                    inner.handle(ctx, req, sink);
                } else {
                    AclChecks.deny(ctx, apiKey, req, sink, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                            "WRITE on transactional id " + id);
                }
            };
            case 60 -> (ctx, req, sink) -> inner.handle(ctx, req, withOps(sink, response -> {
                if (((DescribeClusterRequest) req).includeClusterAuthorizedOperations()) {
                    ((DescribeClusterResponse) response).setClusterAuthorizedOperations(
                            a.authorizedOperations(ctx, AclResourceType.CLUSTER, CLUSTER));
                }
            }));
            default -> null;
        };
    }

    private static ApiHandler group(short apiKey, ApiHandler inner, AclAuthorizer a,
                                    java.util.function.Function<Message, String> groupId) {
        return (ctx, req, sink) -> {
            String g = groupId.apply(req);
            if (a.authorize(ctx, AclOperation.READ, AclResourceType.GROUP, g)) {
                inner.handle(ctx, req, sink);
            } else {
                AclChecks.deny(ctx, apiKey, req, sink, ErrorCode.GROUP_AUTHORIZATION_FAILED, "READ on group " + g);
            }
        };
    }

    private static boolean topic(RequestContext ctx, AclAuthorizer a, AclOperation op, String name) {
        return name != null && a.authorize(ctx, op, AclResourceType.TOPIC, name);
    }

    // ---------------------------------------------------------------- data

    private static void produce(RequestContext ctx, ProduceRequest req, ResponseSink sink, ApiHandler inner,
                                AclAuthorizer a, MetadataImage image) {
        boolean txnDenied = req.transactionalId() != null && !a.authorize(ctx, AclOperation.WRITE,
                AclResourceType.TRANSACTIONAL_ID, req.transactionalId());
        List<ProduceResponse.TopicProduceResponse> denied = new ArrayList<>();
        for (Iterator<ProduceRequest.TopicProduceData> it = req.topicData().iterator(); it.hasNext(); ) {
            ProduceRequest.TopicProduceData t = it.next();
            String name = t.name() != null && !t.name().isEmpty() ? t.name() : AclChecks.topicName(image, t.topicId());
            if (name == null && !txnDenied) {
                continue;
            }
            if (txnDenied || !topic(ctx, a, AclOperation.WRITE, name)) {
                ErrorCode code = txnDenied ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                        : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
                List<ProduceResponse.PartitionProduceResponse> parts = new ArrayList<>();
                for (ProduceRequest.PartitionProduceData p : t.partitionData()) {
                    parts.add(new ProduceResponse.PartitionProduceResponse().setIndex(p.index())
                            .setErrorCode(code.code()).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                denied.add(new ProduceResponse.TopicProduceResponse().setName(t.name()).setTopicId(t.topicId())
                        .setPartitionResponses(parts));
                it.remove();
            }
        }
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.acks() == 0) {
            // Kafka closes an acks=0 producer's connection when a partition fails: it reads no answer.
            sink.closeConnection("produce not authorized with acks=0");
        } else if (req.topicData().isEmpty()) {
            sink.send(new ProduceResponse().setResponses(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((ProduceResponse) r).responses().addAll(denied)));
        }
    }

    private static void fetch(RequestContext ctx, FetchRequest req, ResponseSink sink, ApiHandler inner,
                              AclAuthorizer a, MetadataImage image) {
        int replicaId = req.replicaState() != null && req.replicaState().replicaId() >= 0
                ? req.replicaState().replicaId() : req.replicaId();
        if (replicaId >= 0) {
            if (a.authorize(ctx, AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, CLUSTER)) {
                inner.handle(ctx, req, sink);
            } else {
                AclChecks.deny(ctx, (short) 1, req, sink, ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
                        "CLUSTER_ACTION (follower fetch)");
            }
            return;
        }
        List<FetchResponse.FetchableTopicResponse> denied = new ArrayList<>();
        for (FetchRequest.FetchTopic t : req.topics()) {
            String name = t.topic() != null && !t.topic().isEmpty() ? t.topic()
                    : AclChecks.topicName(image, t.topicId());
            if (name != null && !topic(ctx, a, AclOperation.READ, name)) {
                List<FetchResponse.PartitionData> parts = new ArrayList<>();
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    parts.add(new FetchResponse.PartitionData().setPartitionIndex(p.partition())
                            .setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code()).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1));
                }
                denied.add(new FetchResponse.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId())
                        .setPartitions(parts));
            }
        }
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else {
            // The errors alone, outside any fetch session: the consumer raises them; see docs/security.md.
            sink.send(new FetchResponse().setErrorCode(ErrorCode.NONE.code()).setSessionId(0).setResponses(denied));
        }
    }

    private static void listOffsets(RequestContext ctx, ListOffsetsRequest req, ResponseSink sink, ApiHandler inner,
                                    AclAuthorizer a) {
        List<ListOffsetsResponse.ListOffsetsTopicResponse> denied = new ArrayList<>();
        for (Iterator<ListOffsetsRequest.ListOffsetsTopic> it = req.topics().iterator(); it.hasNext(); ) {
            ListOffsetsRequest.ListOffsetsTopic t = it.next();
            if (!topic(ctx, a, AclOperation.DESCRIBE, t.name())) {
                List<ListOffsetsResponse.ListOffsetsPartitionResponse> parts = new ArrayList<>();
                for (ListOffsetsRequest.ListOffsetsPartition p : t.partitions()) {
                    parts.add(new ListOffsetsResponse.ListOffsetsPartitionResponse().setPartitionIndex(
                            p.partitionIndex()).setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code())
                            .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1));
                }
                denied.add(new ListOffsetsResponse.ListOffsetsTopicResponse().setName(t.name()).setPartitions(parts));
                it.remove();
            }
        }
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.topics().isEmpty()) {
            sink.send(new ListOffsetsResponse().setTopics(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((ListOffsetsResponse) r).topics().addAll(denied)));
        }
    }

    // ---------------------------------------------------------------- metadata

    private static void metadata(RequestContext ctx, MetadataRequest req, ResponseSink sink, ApiHandler inner,
                                 AclAuthorizer a, MetadataImage image) {
        List<MetadataResponse.MetadataResponseTopic> denied = new ArrayList<>();
        // v0: an empty list asks for every topic, as null does from v1.
        boolean listAll = req.topics() == null || ctx.apiVersion() == 0 && req.topics().isEmpty();
        if (!listAll) {
            boolean clusterCreate = a.authorize(ctx, AclOperation.CREATE, AclResourceType.CLUSTER, CLUSTER);
            for (Iterator<MetadataRequest.MetadataRequestTopic> it = req.topics().iterator(); it.hasNext(); ) {
                MetadataRequest.MetadataRequestTopic t = it.next();
                String name = t.name() != null ? t.name() : AclChecks.topicName(image, t.topicId());
                if (name == null) {
                    continue;
                }
                boolean allowed = topic(ctx, a, AclOperation.DESCRIBE, name);
                if (allowed && image.topic(name) == null && req.allowAutoTopicCreation()) {
                    // Auto-creation needs CREATE on the cluster or the topic.
                    allowed = clusterCreate || topic(ctx, a, AclOperation.CREATE, name);
                }
                if (!allowed) {
                    denied.add(new MetadataResponse.MetadataResponseTopic().setName(t.name()).setTopicId(
                            t.topicId() != null ? t.topicId() : new java.util.UUID(0, 0))
                            .setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code()).setIsInternal(false)
                            .setPartitions(new ArrayList<>()).setTopicAuthorizedOperations(Integer.MIN_VALUE));
                    it.remove();
                }
            }
        }
        // A v0 list emptied by the check must not become "every topic".
        boolean emptied = !listAll && req.topics().isEmpty() && !denied.isEmpty();
        inner.handle(ctx, req, withOps(sink, response -> {
            MetadataResponse r = (MetadataResponse) response;
            if (listAll) {
                r.topics().removeIf(t -> !topic(ctx, a, AclOperation.DESCRIBE, t.name()));
            } else if (emptied) {
                r.topics().clear();
            }
            if (req.includeTopicAuthorizedOperations()) {
                for (MetadataResponse.MetadataResponseTopic t : r.topics()) {
                    if (t.errorCode() == ErrorCode.NONE.code()) {
                        t.setTopicAuthorizedOperations(a.authorizedOperations(ctx, AclResourceType.TOPIC, t.name()));
                    }
                }
            }
            if (req.includeClusterAuthorizedOperations()) {
                r.setClusterAuthorizedOperations(a.authorizedOperations(ctx, AclResourceType.CLUSTER, CLUSTER));
            }
            r.topics().addAll(denied);
        }));
    }

    // ---------------------------------------------------------------- groups

    private static void offsetCommit(RequestContext ctx, OffsetCommitRequest req, ResponseSink sink,
                                     ApiHandler inner, AclAuthorizer a, MetadataImage image) {
        boolean groupDenied = !a.authorize(ctx, AclOperation.READ, AclResourceType.GROUP, req.groupId());
        List<OffsetCommitResponse.OffsetCommitResponseTopic> denied = new ArrayList<>();
        for (Iterator<OffsetCommitRequest.OffsetCommitRequestTopic> it = req.topics().iterator(); it.hasNext(); ) {
            OffsetCommitRequest.OffsetCommitRequestTopic t = it.next();
            String name = t.name() != null && !t.name().isEmpty() ? t.name() : AclChecks.topicName(image, t.topicId());
            if (groupDenied || name != null && !topic(ctx, a, AclOperation.READ, name)) {
                ErrorCode code = groupDenied ? ErrorCode.GROUP_AUTHORIZATION_FAILED
                        : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
                List<OffsetCommitResponse.OffsetCommitResponsePartition> parts = new ArrayList<>();
                for (OffsetCommitRequest.OffsetCommitRequestPartition p : t.partitions()) {
                    parts.add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setErrorCode(code.code()));
                }
                denied.add(new OffsetCommitResponse.OffsetCommitResponseTopic().setName(t.name())
                        .setTopicId(t.topicId()).setPartitions(parts));
                it.remove();
            }
        }
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.topics().isEmpty()) {
            sink.send(new OffsetCommitResponse().setTopics(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((OffsetCommitResponse) r).topics().addAll(denied)));
        }
    }

    private static void offsetFetch(RequestContext ctx, OffsetFetchRequest req, ResponseSink sink, ApiHandler inner,
                                    AclAuthorizer a) {
        if (ctx.apiVersion() < 8) {
            if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, req.groupId())) {
                inner.handle(ctx, req, sink);
            } else {
                sink.send(new OffsetFetchResponse().setErrorCode(ErrorCode.GROUP_AUTHORIZATION_FAILED.code()));
            }
            return;
        }
        List<OffsetFetchResponse.OffsetFetchResponseGroup> denied = new ArrayList<>();
        for (Iterator<OffsetFetchRequest.OffsetFetchRequestGroup> it = req.groups().iterator(); it.hasNext(); ) {
            OffsetFetchRequest.OffsetFetchRequestGroup g = it.next();
            if (!a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, g.groupId())) {
                denied.add(new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId(g.groupId())
                        .setErrorCode(ErrorCode.GROUP_AUTHORIZATION_FAILED.code()));
                it.remove();
            }
        }
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.groups().isEmpty()) {
            sink.send(new OffsetFetchResponse().setGroups(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((OffsetFetchResponse) r).groups().addAll(denied)));
        }
    }

    private static void findCoordinator(RequestContext ctx, FindCoordinatorRequest req, ResponseSink sink,
                                        ApiHandler inner, AclAuthorizer a) {
        boolean txn = req.keyType() == 1;
        AclResourceType type = txn ? AclResourceType.TRANSACTIONAL_ID : AclResourceType.GROUP;
        ErrorCode code = txn ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.GROUP_AUTHORIZATION_FAILED;
        if (ctx.apiVersion() < 4) {
            if (a.authorize(ctx, AclOperation.DESCRIBE, type, req.key())) {
                inner.handle(ctx, req, sink);
            } else {
                sink.send(new FindCoordinatorResponse().setErrorCode(code.code()).setNodeId(-1).setHost("")
                        .setPort(-1));
            }
            return;
        }
        List<FindCoordinatorResponse.Coordinator> denied = new ArrayList<>();
        req.coordinatorKeys().removeIf(k -> {
            if (a.authorize(ctx, AclOperation.DESCRIBE, type, k)) {
                return false;
            }
            denied.add(new FindCoordinatorResponse.Coordinator().setKey(k).setErrorCode(code.code()).setNodeId(-1)
                    .setHost("").setPort(-1));
            return true;
        });
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.coordinatorKeys().isEmpty()) {
            sink.send(new FindCoordinatorResponse().setCoordinators(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((FindCoordinatorResponse) r).coordinators().addAll(denied)));
        }
    }

    private static void describeGroups(RequestContext ctx, DescribeGroupsRequest req, ResponseSink sink,
                                       ApiHandler inner, AclAuthorizer a) {
        List<DescribeGroupsResponse.DescribedGroup> denied = new ArrayList<>();
        req.groups().removeIf(g -> {
            if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, g)) {
                return false;
            }
            denied.add(new DescribeGroupsResponse.DescribedGroup().setGroupId(g).setGroupState("").setProtocolType("")
                    .setProtocolData("").setErrorCode(ErrorCode.GROUP_AUTHORIZATION_FAILED.code())
                    .setAuthorizedOperations(Integer.MIN_VALUE));
            return true;
        });
        if (req.groups().isEmpty() && !denied.isEmpty()) {
            sink.send(new DescribeGroupsResponse().setGroups(denied));
            return;
        }
        inner.handle(ctx, req, withOps(sink, response -> {
            DescribeGroupsResponse r = (DescribeGroupsResponse) response;
            if (req.includeAuthorizedOperations()) {
                for (DescribeGroupsResponse.DescribedGroup g : r.groups()) {
                    g.setAuthorizedOperations(a.authorizedOperations(ctx, AclResourceType.GROUP, g.groupId()));
                }
            }
            r.groups().addAll(denied);
        }));
    }

    private static void listGroups(RequestContext ctx, Message req, ResponseSink sink, ApiHandler inner,
                                   AclAuthorizer a) {
        if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.CLUSTER, CLUSTER)) {
            inner.handle(ctx, req, sink);
            return;
        }
        inner.handle(ctx, req, withOps(sink, r -> ((ListGroupsResponse) r).groups().removeIf(g ->
                !a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, g.groupId()))));
    }

    // ---------------------------------------------------------------- topics and producers

    private static void createTopics(RequestContext ctx, CreateTopicsRequest req, ResponseSink sink,
                                     ApiHandler inner, AclAuthorizer a) {
        if (a.authorize(ctx, AclOperation.CREATE, AclResourceType.CLUSTER, CLUSTER)) {
            inner.handle(ctx, req, sink);
            return;
        }
        List<CreateTopicsResponse.CreatableTopicResult> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (topic(ctx, a, AclOperation.CREATE, t.name())) {
                return false;
            }
            denied.add(new CreateTopicsResponse.CreatableTopicResult().setName(t.name()).setNumPartitions(-1)
                    .setReplicationFactor((short) -1).setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code())
                    .setErrorMessage("Authorization failed."));
            return true;
        });
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.topics().isEmpty()) {
            sink.send(new CreateTopicsResponse().setTopics(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((CreateTopicsResponse) r).topics().addAll(denied)));
        }
    }

    private static void deleteTopics(RequestContext ctx, DeleteTopicsRequest req, ResponseSink sink,
                                     ApiHandler inner, AclAuthorizer a, MetadataImage image) {
        List<DeleteTopicsResponse.DeletableTopicResult> denied = new ArrayList<>();
        ErrorCode code = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        req.topicNames().removeIf(n -> {
            if (topic(ctx, a, AclOperation.DELETE, n)) {
                return false;
            }
            denied.add(new DeleteTopicsResponse.DeletableTopicResult().setName(n).setErrorCode(code.code()));
            return true;
        });
        req.topics().removeIf(t -> {
            String name = t.name() != null ? t.name() : AclChecks.topicName(image, t.topicId());
            if (name == null || topic(ctx, a, AclOperation.DELETE, name)) {
                return false;
            }
            denied.add(new DeleteTopicsResponse.DeletableTopicResult().setName(t.name()).setTopicId(t.topicId())
                    .setErrorCode(code.code()));
            return true;
        });
        if (denied.isEmpty()) {
            inner.handle(ctx, req, sink);
        } else if (req.topicNames().isEmpty() && req.topics().isEmpty()) {
            sink.send(new DeleteTopicsResponse().setResponses(denied));
        } else {
            inner.handle(ctx, req, withOps(sink, r -> ((DeleteTopicsResponse) r).responses().addAll(denied)));
        }
    }

    private static void initProducerId(RequestContext ctx, InitProducerIdRequest req, ResponseSink sink,
                                       ApiHandler inner, AclAuthorizer a) {
        if (req.transactionalId() != null) {
            if (a.authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID, req.transactionalId())) {
                inner.handle(ctx, req, sink);
            } else {
                AclChecks.deny(ctx, (short) 22, req, sink, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        "WRITE on transactional id " + req.transactionalId());
            }
        } else if (a.authorize(ctx, AclOperation.IDEMPOTENT_WRITE, AclResourceType.CLUSTER, CLUSTER)
                || a.mayWriteSomeTopic(ctx)) {
            inner.handle(ctx, req, sink);
        } else {
            AclChecks.deny(ctx, (short) 22, req, sink, ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
                    "IDEMPOTENT_WRITE on the cluster or WRITE on a topic");
        }
    }

    private static ResponseSink withOps(ResponseSink sink, java.util.function.Consumer<Message> edit) {
        return ResourceChecks.edit(sink, edit);
    }
}
