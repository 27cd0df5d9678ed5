package io.samsa.server.network;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.FindCoordinatorResponse;
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
import io.samsa.wire.message.WriteTxnMarkersRequest;
import io.samsa.wire.message.WriteTxnMarkersResponse;
import io.samsa.wire.protocol.Message;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Error responses for {@link FaultInjector}: for the common APIs, the error code goes in every
 * per-topic or per-partition field that answers what the request asked (Produce, Fetch, ListOffsets,
 * Metadata, OffsetCommit, OffsetFetch, FindCoordinator, CreateTopics, DeleteTopics, WriteTxnMarkers); for
 * any other API, in the response's top-level {@code error_code}. Stateless; called on event loops.
 */
final class FaultResponses {
    private FaultResponses() {
    }

    /** Whether {@link #errorResponse} can answer requests of {@code apiKey}. */
    static boolean canAnswer(short apiKey) {
        switch (apiKey) {
            case ProduceRequest.API_KEY, FetchRequest.API_KEY, ListOffsetsRequest.API_KEY, MetadataRequest.API_KEY,
                    OffsetCommitRequest.API_KEY, OffsetFetchRequest.API_KEY, FindCoordinatorRequest.API_KEY,
                    CreateTopicsRequest.API_KEY, DeleteTopicsRequest.API_KEY, WriteTxnMarkersRequest.API_KEY:
                return true;
            default:
                return topLevelErrorSetter(apiKey) != null;
        }
    }

    /** The response to {@code request} (of {@code apiKey}) that reports {@code error} for all it asked. */
    static Message errorResponse(short apiKey, Message request, ErrorCode error) {
        short code = error.code();
        switch (apiKey) {
            case ProduceRequest.API_KEY:
                return produce((ProduceRequest) request, code);
            case FetchRequest.API_KEY:
                return fetch((FetchRequest) request, code);
            case ListOffsetsRequest.API_KEY:
                return listOffsets((ListOffsetsRequest) request, code);
            case MetadataRequest.API_KEY:
                return metadata((MetadataRequest) request, code);
            case OffsetCommitRequest.API_KEY:
                return offsetCommit((OffsetCommitRequest) request, code);
            case OffsetFetchRequest.API_KEY:
                return offsetFetch((OffsetFetchRequest) request, code);
            case FindCoordinatorRequest.API_KEY:
                return findCoordinator((FindCoordinatorRequest) request, code);
            case CreateTopicsRequest.API_KEY:
                return createTopics((CreateTopicsRequest) request, code);
            case DeleteTopicsRequest.API_KEY:
                return deleteTopics((DeleteTopicsRequest) request, code);
            case WriteTxnMarkersRequest.API_KEY:
                return writeTxnMarkers((WriteTxnMarkersRequest) request, code);
            default:
                return topLevel(apiKey, code);
        }
    }

    private static ProduceResponse produce(ProduceRequest req, short code) {
        List<ProduceResponse.TopicProduceResponse> topics = new ArrayList<>();
        for (ProduceRequest.TopicProduceData t : req.topicData()) {
            List<ProduceResponse.PartitionProduceResponse> parts = new ArrayList<>();
            for (ProduceRequest.PartitionProduceData p : t.partitionData()) {
                parts.add(new ProduceResponse.PartitionProduceResponse().setIndex(p.index()).setErrorCode(code)
                        .setBaseOffset(-1L).setLogAppendTimeMs(-1L).setLogStartOffset(-1L));
            }
            topics.add(new ProduceResponse.TopicProduceResponse().setName(t.name()).setTopicId(t.topicId())
                    .setPartitionResponses(parts));
        }
        return new ProduceResponse().setResponses(topics);
    }

    private static FetchResponse fetch(FetchRequest req, short code) {
        List<FetchResponse.FetchableTopicResponse> topics = new ArrayList<>();
        for (FetchRequest.FetchTopic t : req.topics()) {
            List<FetchResponse.PartitionData> parts = new ArrayList<>();
            for (FetchRequest.FetchPartition p : t.partitions()) {
                parts.add(new FetchResponse.PartitionData().setPartitionIndex(p.partition()).setErrorCode(code)
                        .setHighWatermark(-1L));
            }
            topics.add(new FetchResponse.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId())
                    .setPartitions(parts));
        }
        // A session error is top-level; a partition error keeps the session (KIP-227).
        return new FetchResponse().setErrorCode(code).setSessionId(req.sessionId()).setResponses(topics);
    }

    private static ListOffsetsResponse listOffsets(ListOffsetsRequest req, short code) {
        List<ListOffsetsResponse.ListOffsetsTopicResponse> topics = new ArrayList<>();
        for (ListOffsetsRequest.ListOffsetsTopic t : req.topics()) {
            List<ListOffsetsResponse.ListOffsetsPartitionResponse> parts = new ArrayList<>();
            for (ListOffsetsRequest.ListOffsetsPartition p : t.partitions()) {
                parts.add(new ListOffsetsResponse.ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(code).setTimestamp(-1L).setOffset(-1L));
            }
            topics.add(new ListOffsetsResponse.ListOffsetsTopicResponse().setName(t.name()).setPartitions(parts));
        }
        return new ListOffsetsResponse().setTopics(topics);
    }

    private static MetadataResponse metadata(MetadataRequest req, short code) {
        List<MetadataResponse.MetadataResponseTopic> topics = new ArrayList<>();
        if (req.topics() != null) {
            for (MetadataRequest.MetadataRequestTopic t : req.topics()) {
                topics.add(new MetadataResponse.MetadataResponseTopic().setName(t.name()).setTopicId(t.topicId())
                        .setErrorCode(code));
            }
        }
        // v13+ (KIP-1102) has a top-level error code; older versions carry only the per-topic ones.
        return new MetadataResponse().setControllerId(-1).setTopics(topics).setErrorCode(code);
    }

    private static OffsetCommitResponse offsetCommit(OffsetCommitRequest req, short code) {
        List<OffsetCommitResponse.OffsetCommitResponseTopic> topics = new ArrayList<>();
        for (OffsetCommitRequest.OffsetCommitRequestTopic t : req.topics()) {
            List<OffsetCommitResponse.OffsetCommitResponsePartition> parts = new ArrayList<>();
            for (OffsetCommitRequest.OffsetCommitRequestPartition p : t.partitions()) {
                parts.add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(code));
            }
            topics.add(new OffsetCommitResponse.OffsetCommitResponseTopic().setName(t.name()).setTopicId(t.topicId())
                    .setPartitions(parts));
        }
        return new OffsetCommitResponse().setTopics(topics);
    }

    private static OffsetFetchResponse offsetFetch(OffsetFetchRequest req, short code) {
        // v8+ (KIP-709) batches groups, each with its own error code; older versions have one group.
        List<OffsetFetchResponse.OffsetFetchResponseGroup> groups = new ArrayList<>();
        if (req.groups() != null) {
            for (OffsetFetchRequest.OffsetFetchRequestGroup g : req.groups()) {
                groups.add(new OffsetFetchResponse.OffsetFetchResponseGroup().setGroupId(g.groupId())
                        .setErrorCode(code));
            }
        }
        return new OffsetFetchResponse().setErrorCode(code).setGroups(groups);
    }

    private static FindCoordinatorResponse findCoordinator(FindCoordinatorRequest req, short code) {
        // v4+ (KIP-699) batches keys, each with its own error code.
        List<FindCoordinatorResponse.Coordinator> coordinators = new ArrayList<>();
        if (req.coordinatorKeys() != null) {
            for (String key : req.coordinatorKeys()) {
                coordinators.add(new FindCoordinatorResponse.Coordinator().setKey(key).setNodeId(-1).setHost("")
                        .setPort(-1).setErrorCode(code));
            }
        }
        return new FindCoordinatorResponse().setErrorCode(code).setNodeId(-1).setHost("").setPort(-1)
                .setCoordinators(coordinators);
    }

    private static CreateTopicsResponse createTopics(CreateTopicsRequest req, short code) {
        List<CreateTopicsResponse.CreatableTopicResult> topics = new ArrayList<>();
        for (CreateTopicsRequest.CreatableTopic t : req.topics()) {
            topics.add(new CreateTopicsResponse.CreatableTopicResult().setName(t.name()).setErrorCode(code)
                    .setNumPartitions(-1).setReplicationFactor((short) -1));
        }
        return new CreateTopicsResponse().setTopics(topics);
    }

    private static DeleteTopicsResponse deleteTopics(DeleteTopicsRequest req, short code) {
        List<DeleteTopicsResponse.DeletableTopicResult> topics = new ArrayList<>();
        // v6+ names topics by DeleteTopicState (name or id); older versions by name only.
        for (DeleteTopicsRequest.DeleteTopicState t : req.topics()) {
            topics.add(new DeleteTopicsResponse.DeletableTopicResult().setName(t.name()).setTopicId(t.topicId())
                    .setErrorCode(code));
        }
        for (String name : req.topicNames()) {
            topics.add(new DeleteTopicsResponse.DeletableTopicResult().setName(name).setErrorCode(code));
        }
        return new DeleteTopicsResponse().setResponses(topics);
    }

    /** Every marker's every partition answers {@code code} (WriteTxnMarkers has no top-level error). */
    private static WriteTxnMarkersResponse writeTxnMarkers(WriteTxnMarkersRequest req, short code) {
        List<WriteTxnMarkersResponse.WritableTxnMarkerResult> markers = new ArrayList<>();
        for (WriteTxnMarkersRequest.WritableTxnMarker m : req.markers()) {
            List<WriteTxnMarkersResponse.WritableTxnMarkerTopicResult> topics = new ArrayList<>();
            for (WriteTxnMarkersRequest.WritableTxnMarkerTopic t : m.topics()) {
                List<WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult> parts = new ArrayList<>();
                for (int p : t.partitionIndexes()) {
                    parts.add(new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult().setPartitionIndex(p)
                            .setErrorCode(code));
                }
                topics.add(new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult().setName(t.name())
                        .setPartitions(parts));
            }
            markers.add(new WriteTxnMarkersResponse.WritableTxnMarkerResult().setProducerId(m.producerId())
                    .setTopics(topics));
        }
        return new WriteTxnMarkersResponse().setMarkers(markers);
    }

    private static Message topLevel(short apiKey, short code) {
        Method setter = topLevelErrorSetter(apiKey);
        if (setter == null) {
            throw new IllegalArgumentException("No error field for API key " + apiKey);
        }
        Message response = ApiMessageType.fromId(apiKey).newResponse();
        try {
            setter.invoke(response, code);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot set the error code of " + response.getClass().getSimpleName(), e);
        }
        return response;
    }

    private static Method topLevelErrorSetter(short apiKey) {
        ApiMessageType type = ApiMessageType.fromId(apiKey);
        if (type == null) {
            return null;
        }
        try {
            return type.newResponse().getClass().getMethod("setErrorCode", short.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
