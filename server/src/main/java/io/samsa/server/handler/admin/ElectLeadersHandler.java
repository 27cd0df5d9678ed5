package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.ElectionType;
import io.samsa.controller.TopicPartition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ElectLeadersRequest;
import io.samsa.wire.message.ElectLeadersResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ElectLeaders (key 43, v0-2, KIP-460): the controller elects the preferred replica (v0, type 0) or, v1+ type 1,
 * any live replica of a partition without a leader. Null partitions mean every partition; then only those that
 * needed an election are answered. Per-partition codes: {@code ELECTION_NOT_NEEDED},
 * {@code PREFERRED_LEADER_NOT_AVAILABLE}, {@code ELIGIBLE_LEADERS_NOT_AVAILABLE},
 * {@code UNKNOWN_TOPIC_OR_PARTITION}; v1+ has a top-level code for an unknown election type or a failed call (v0
 * puts it on every partition). Runs on the connection's event loop; answers once the change is published.
 */
public final class ElectLeadersHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public ElectLeadersHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ElectLeadersRequest req = (ElectLeadersRequest) request;
        short version = ctx.apiVersion();
        List<TopicPartition> partitions = null;
        if (req.topicPartitions() != null) {
            partitions = new ArrayList<>();
            for (ElectLeadersRequest.TopicPartitions t : req.topicPartitions()) {
                for (int p : t.partitions()) {
                    partitions.add(new TopicPartition(t.topic(), p));
                }
            }
        }
        List<TopicPartition> asked = partitions;
        ElectionType type = version >= 1 ? ElectionType.of(req.electionType()) : ElectionType.PREFERRED;
        if (type == null) {
            sink.send(failed(asked, ApiError.of(ErrorCode.INVALID_REQUEST, "Unknown election type "
                    + req.electionType()), version));
            return;
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().electLeaders(type, asked)), ctx, sink,
                results -> response(results), error -> failed(asked, error, version));
    }

    private static ElectLeadersResponse response(List<ApiResult<TopicPartition>> results) {
        Map<String, List<ElectLeadersResponse.PartitionResult>> byTopic = new LinkedHashMap<>();
        for (ApiResult<TopicPartition> r : results) {
            byTopic.computeIfAbsent(r.key().topic(), t -> new ArrayList<>()).add(new ElectLeadersResponse
                    .PartitionResult().setPartitionId(r.key().partition()).setErrorCode(r.error().code())
                    .setErrorMessage(r.errorMessage()));
        }
        List<ElectLeadersResponse.ReplicaElectionResult> out = new ArrayList<>(byTopic.size());
        byTopic.forEach((t, ps) -> out.add(new ElectLeadersResponse.ReplicaElectionResult().setTopic(t)
                .setPartitionResult(ps)));
        return new ElectLeadersResponse().setErrorCode(ErrorCode.NONE.code()).setReplicaElectionResults(out);
    }

    /** v1+: the error at the top; v0: on every partition asked for. */
    private static ElectLeadersResponse failed(List<TopicPartition> asked, ApiError error, short version) {
        if (version >= 1 || asked == null) {
            return new ElectLeadersResponse().setErrorCode(error.codeValue()).setReplicaElectionResults(List.of());
        }
        List<ApiResult<TopicPartition>> each = new ArrayList<>(asked.size());
        for (TopicPartition tp : asked) {
            each.add(new ApiResult<>(tp, error.code(), error.message()));
        }
        return response(each).setErrorCode(ErrorCode.NONE.code());
    }
}
