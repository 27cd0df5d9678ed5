package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.Reassignment;
import io.samsa.controller.TopicPartition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AlterPartitionReassignmentsRequest;
import io.samsa.wire.message.AlterPartitionReassignmentsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AlterPartitionReassignments (key 45, v0-1, KIP-455): each partition's new replicas, or null to cancel its
 * reassignment; the controller records the move in the partition. v1 (KIP-860) may forbid changing the replication
 * factor ({@code INVALID_REPLICATION_FACTOR}). Per-partition codes: {@code INVALID_REPLICA_ASSIGNMENT},
 * {@code UNKNOWN_TOPIC_OR_PARTITION}, {@code NO_REASSIGNMENT_IN_PROGRESS}; a failed call is the top-level code.
 * Runs on the connection's event loop; answers once the change is published.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public AlterPartitionReassignmentsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AlterPartitionReassignmentsRequest req = (AlterPartitionReassignmentsRequest) request;
        List<Reassignment> reassignments = new ArrayList<>();
        for (AlterPartitionReassignmentsRequest.ReassignableTopic t : req.topics()) {
            for (AlterPartitionReassignmentsRequest.ReassignablePartition p : t.partitions()) {
                reassignments.add(new Reassignment(new TopicPartition(t.name(), p.partitionIndex()), p.replicas()));
            }
        }
        boolean allowRfChange = ctx.apiVersion() < 1 || req.allowReplicationFactorChange();
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().alterPartitionReassignments(
                reassignments, allowRfChange)), ctx, sink, results -> response(results, allowRfChange),
                error -> new AlterPartitionReassignmentsResponse().setErrorCode(error.codeValue())
                        .setErrorMessage(error.message()).setAllowReplicationFactorChange(allowRfChange)
                        .setResponses(List.of()));
    }

    private static AlterPartitionReassignmentsResponse response(List<ApiResult<TopicPartition>> results,
                                                                boolean allowRfChange) {
        Map<String, List<AlterPartitionReassignmentsResponse.ReassignablePartitionResponse>> byTopic =
                new LinkedHashMap<>();
        for (ApiResult<TopicPartition> r : results) {
            byTopic.computeIfAbsent(r.key().topic(), t -> new ArrayList<>()).add(
                    new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse()
                            .setPartitionIndex(r.key().partition()).setErrorCode(r.error().code())
                            .setErrorMessage(r.errorMessage()));
        }
        List<AlterPartitionReassignmentsResponse.ReassignableTopicResponse> out = new ArrayList<>(byTopic.size());
        byTopic.forEach((t, ps) -> out.add(new AlterPartitionReassignmentsResponse.ReassignableTopicResponse()
                .setName(t).setPartitions(ps)));
        return new AlterPartitionReassignmentsResponse().setErrorCode(ErrorCode.NONE.code())
                .setAllowReplicationFactorChange(allowRfChange).setResponses(out);
    }
}
