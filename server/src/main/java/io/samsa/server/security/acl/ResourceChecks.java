package io.samsa.server.security.acl;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AlterConfigsRequest;
import io.samsa.wire.message.AlterConfigsResponse;
import io.samsa.wire.message.CreatePartitionsRequest;
import io.samsa.wire.message.CreatePartitionsResponse;
import io.samsa.wire.message.DeleteRecordsRequest;
import io.samsa.wire.message.DeleteRecordsResponse;
import io.samsa.wire.message.DescribeConfigsRequest;
import io.samsa.wire.message.DescribeProducersRequest;
import io.samsa.wire.message.DescribeProducersResponse;
import io.samsa.wire.message.DescribeConfigsResponse;
import io.samsa.wire.message.DescribeTopicPartitionsRequest;
import io.samsa.wire.message.DescribeTopicPartitionsResponse;
import io.samsa.wire.message.IncrementalAlterConfigsRequest;
import io.samsa.wire.message.IncrementalAlterConfigsResponse;
import io.samsa.wire.message.OffsetForLeaderEpochRequest;
import io.samsa.wire.message.OffsetForLeaderEpochResponse;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The checks of the admin APIs over topics and config resources (see {@link AclChecks}): DescribeTopicPartitions,
 * DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, CreatePartitions, DeleteRecords, OffsetForLeaderEpoch and
 * DescribeProducers.
 * As in {@link PartialChecks}, the resources not authorized leave the request and come back as errors beside the
 * handler's answer. Stateless; runs on the connection's event loop.
 */
final class ResourceChecks {
    private static final String CLUSTER = AclResourceType.CLUSTER_NAME;

    private ResourceChecks() {
    }

    static ApiHandler handler(short apiKey, ApiHandler inner, AclAuthorizer a) {
        return switch (apiKey) {
            case 75 -> (ctx, req, sink) -> describeTopicPartitions(ctx, (DescribeTopicPartitionsRequest) req, sink,
                    inner, a);
            case 32 -> (ctx, req, sink) -> describeConfigs(ctx, (DescribeConfigsRequest) req, sink, inner, a);
            case 33 -> (ctx, req, sink) -> alterConfigs(ctx, (AlterConfigsRequest) req, sink, inner, a);
            case 44 -> (ctx, req, sink) -> incrementalAlterConfigs(ctx, (IncrementalAlterConfigsRequest) req, sink,
                    inner, a);
            case 37 -> (ctx, req, sink) -> createPartitions(ctx, (CreatePartitionsRequest) req, sink, inner, a);
            case 21 -> (ctx, req, sink) -> deleteRecords(ctx, (DeleteRecordsRequest) req, sink, inner, a);
            case 23 -> (ctx, req, sink) -> offsetForLeaderEpoch(ctx, (OffsetForLeaderEpochRequest) req, sink, inner,
                    a);
            case 61 -> (ctx, req, sink) -> describeProducers(ctx, (DescribeProducersRequest) req, sink, inner, a);
            default -> null;
        };
    }

    /** Whether the principal may do {@code op} on config resource {@code type} ({@code name}), and its error. */
    private static ErrorCode configDenied(RequestContext ctx, AclAuthorizer a, AclOperation op, byte type,
                                          String name) {
        return switch (type) {
            case 2 -> a.authorize(ctx, op, AclResourceType.TOPIC, name) ? null
                    : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            case 32 -> a.authorize(ctx, op, AclResourceType.GROUP, name) ? null
                    : ErrorCode.GROUP_AUTHORIZATION_FAILED;
            default -> a.authorize(ctx, op, AclResourceType.CLUSTER, CLUSTER) ? null
                    : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        };
    }

    private static void describeTopicPartitions(RequestContext ctx, DescribeTopicPartitionsRequest req,
                                                ResponseSink sink, ApiHandler inner, AclAuthorizer a) {
        boolean all = req.topics().isEmpty();
        List<DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, t.name())) {
                return false;
            }
            denied.add(new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic().setName(t.name())
                    .setTopicId(new java.util.UUID(0, 0)).setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code())
                    .setPartitions(new ArrayList<>()).setTopicAuthorizedOperations(Integer.MIN_VALUE));
            return true;
        });
        if (!all && req.topics().isEmpty()) {
            sink.send(new DescribeTopicPartitionsResponse().setTopics(denied));
            return;
        }
        inner.handle(ctx, req, edit(sink, response -> {
            DescribeTopicPartitionsResponse r = (DescribeTopicPartitionsResponse) response;
            if (all) {
                r.topics().removeIf(t -> !a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, t.name()));
            }
            for (DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic t : r.topics()) {
                if (t.errorCode() == ErrorCode.NONE.code()) {
                    t.setTopicAuthorizedOperations(a.authorizedOperations(ctx, AclResourceType.TOPIC, t.name()));
                }
            }
            r.topics().addAll(denied);
            r.topics().sort(java.util.Comparator.comparing(
                    DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic::name));
        }));
    }

    private static void describeConfigs(RequestContext ctx, DescribeConfigsRequest req, ResponseSink sink,
                                        ApiHandler inner, AclAuthorizer a) {
        List<DescribeConfigsResponse.DescribeConfigsResult> denied = new ArrayList<>();
        req.resources().removeIf(r -> {
            ErrorCode code = configDenied(ctx, a, AclOperation.DESCRIBE_CONFIGS, r.resourceType(), r.resourceName());
            if (code == null) {
                return false;
            }
            denied.add(new DescribeConfigsResponse.DescribeConfigsResult().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName()).setErrorCode(code.code()).setErrorMessage(code.defaultMessage())
                    .setConfigs(new ArrayList<>()));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.resources().isEmpty(),
                () -> new DescribeConfigsResponse().setResults(denied),
                r -> ((DescribeConfigsResponse) r).results().addAll(denied));
    }

    private static void alterConfigs(RequestContext ctx, AlterConfigsRequest req, ResponseSink sink,
                                     ApiHandler inner, AclAuthorizer a) {
        List<AlterConfigsResponse.AlterConfigsResourceResponse> denied = new ArrayList<>();
        req.resources().removeIf(r -> {
            ErrorCode code = configDenied(ctx, a, AclOperation.ALTER_CONFIGS, r.resourceType(), r.resourceName());
            if (code == null) {
                return false;
            }
            denied.add(new AlterConfigsResponse.AlterConfigsResourceResponse().setResourceType(r.resourceType())
                    .setResourceName(r.resourceName()).setErrorCode(code.code())
                    .setErrorMessage(code.defaultMessage()));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.resources().isEmpty(),
                () -> new AlterConfigsResponse().setResponses(denied),
                r -> ((AlterConfigsResponse) r).responses().addAll(denied));
    }

    private static void incrementalAlterConfigs(RequestContext ctx, IncrementalAlterConfigsRequest req,
                                                ResponseSink sink, ApiHandler inner, AclAuthorizer a) {
        List<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> denied = new ArrayList<>();
        req.resources().removeIf(r -> {
            ErrorCode code = configDenied(ctx, a, AclOperation.ALTER_CONFIGS, r.resourceType(), r.resourceName());
            if (code == null) {
                return false;
            }
            denied.add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse()
                    .setResourceType(r.resourceType()).setResourceName(r.resourceName()).setErrorCode(code.code())
                    .setErrorMessage(code.defaultMessage()));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.resources().isEmpty(),
                () -> new IncrementalAlterConfigsResponse().setResponses(denied),
                r -> ((IncrementalAlterConfigsResponse) r).responses().addAll(denied));
    }

    private static void createPartitions(RequestContext ctx, CreatePartitionsRequest req, ResponseSink sink,
                                         ApiHandler inner, AclAuthorizer a) {
        List<CreatePartitionsResponse.CreatePartitionsTopicResult> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (a.authorize(ctx, AclOperation.ALTER, AclResourceType.TOPIC, t.name())) {
                return false;
            }
            denied.add(new CreatePartitionsResponse.CreatePartitionsTopicResult().setName(t.name())
                    .setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code())
                    .setErrorMessage(ErrorCode.TOPIC_AUTHORIZATION_FAILED.defaultMessage()));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.topics().isEmpty(),
                () -> new CreatePartitionsResponse().setResults(denied),
                r -> ((CreatePartitionsResponse) r).results().addAll(denied));
    }

    private static void deleteRecords(RequestContext ctx, DeleteRecordsRequest req, ResponseSink sink,
                                      ApiHandler inner, AclAuthorizer a) {
        List<DeleteRecordsResponse.DeleteRecordsTopicResult> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (a.authorize(ctx, AclOperation.DELETE, AclResourceType.TOPIC, t.name())) {
                return false;
            }
            List<DeleteRecordsResponse.DeleteRecordsPartitionResult> parts = new ArrayList<>();
            for (DeleteRecordsRequest.DeleteRecordsPartition p : t.partitions()) {
                parts.add(new DeleteRecordsResponse.DeleteRecordsPartitionResult().setPartitionIndex(
                        p.partitionIndex()).setLowWatermark(-1)
                        .setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code()));
            }
            denied.add(new DeleteRecordsResponse.DeleteRecordsTopicResult().setName(t.name()).setPartitions(parts));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.topics().isEmpty(),
                () -> new DeleteRecordsResponse().setTopics(denied),
                r -> ((DeleteRecordsResponse) r).topics().addAll(denied));
    }

    private static void offsetForLeaderEpoch(RequestContext ctx, OffsetForLeaderEpochRequest req, ResponseSink sink,
                                             ApiHandler inner, AclAuthorizer a) {
        if (req.replicaId() >= 0) {
            if (a.authorize(ctx, AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, CLUSTER)) {
                inner.handle(ctx, req, sink);
            } else {
                List<OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult> all = new ArrayList<>();
                for (OffsetForLeaderEpochRequest.OffsetForLeaderTopic t : req.topics()) {
                    all.add(epochErrors(t, ErrorCode.CLUSTER_AUTHORIZATION_FAILED));
                }
                sink.send(new OffsetForLeaderEpochResponse().setTopics(all));
            }
            return;
        }
        List<OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, t.topic())) {
                return false;
            }
            denied.add(epochErrors(t, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.topics().isEmpty(),
                () -> new OffsetForLeaderEpochResponse().setTopics(denied),
                r -> ((OffsetForLeaderEpochResponse) r).topics().addAll(denied));
    }

    private static void describeProducers(RequestContext ctx, DescribeProducersRequest req, ResponseSink sink,
                                          ApiHandler inner, AclAuthorizer a) {
        List<DescribeProducersResponse.TopicResponse> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            if (a.authorize(ctx, AclOperation.READ, AclResourceType.TOPIC, t.name())) {
                return false;
            }
            List<DescribeProducersResponse.PartitionResponse> parts = new ArrayList<>();
            for (int p : t.partitionIndexes()) {
                parts.add(new DescribeProducersResponse.PartitionResponse().setPartitionIndex(p)
                        .setErrorCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED.code()).setActiveProducers(new ArrayList<>()));
            }
            denied.add(new DescribeProducersResponse.TopicResponse().setName(t.name()).setPartitions(parts));
            return true;
        });
        answer(ctx, req, sink, inner, denied.isEmpty(), req.topics().isEmpty(),
                () -> new DescribeProducersResponse().setTopics(denied),
                r -> ((DescribeProducersResponse) r).topics().addAll(denied));
    }

    private static OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult epochErrors(
            OffsetForLeaderEpochRequest.OffsetForLeaderTopic t, ErrorCode code) {
        List<OffsetForLeaderEpochResponse.EpochEndOffset> parts = new ArrayList<>();
        for (OffsetForLeaderEpochRequest.OffsetForLeaderPartition p : t.partitions()) {
            parts.add(new OffsetForLeaderEpochResponse.EpochEndOffset().setPartition(p.partition())
                    .setErrorCode(code.code()).setLeaderEpoch(-1).setEndOffset(-1));
        }
        return new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult().setTopic(t.topic()).setPartitions(parts);
    }

    /**
     * Passes the request on when nothing was denied; answers the denials alone when nothing is left; otherwise
     * passes the rest on and adds the denials to the handler's answer.
     */
    static void answer(RequestContext ctx, Message req, ResponseSink sink, ApiHandler inner, boolean noneDenied,
                       boolean noneLeft, java.util.function.Supplier<Message> deniedOnly, Consumer<Message> addDenied) {
        if (noneDenied) {
            inner.handle(ctx, req, sink);
        } else if (noneLeft) {
            sink.send(deniedOnly.get());
        } else {
            inner.handle(ctx, req, edit(sink, addDenied));
        }
    }

    /** A sink that lets {@code edit} change the handler's response before it goes out. */
    static ResponseSink edit(ResponseSink sink, Consumer<Message> edit) {
        return new ResponseSink() {
            @Override
            public void send(Message response) {
                edit.accept(response);
                sink.send(response);
            }

            @Override
            public void sendNothing() {
                sink.sendNothing();
            }

            @Override
            public void closeConnection(String reason) {
                sink.closeConnection(reason);
            }
        };
    }
}
