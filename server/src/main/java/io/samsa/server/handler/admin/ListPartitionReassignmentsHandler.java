package io.samsa.server.handler.admin;

import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.TopicPartition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ListPartitionReassignmentsRequest;
import io.samsa.wire.message.ListPartitionReassignmentsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ListPartitionReassignments (key 46, v0, KIP-455): the reassignments in progress among the partitions asked for
 * (null: all), from the controller: replicas, adding and removing replicas. An unknown topic is the top-level
 * {@code UNKNOWN_TOPIC_OR_PARTITION}. Runs on the connection's event loop.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public ListPartitionReassignmentsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ListPartitionReassignmentsRequest req = (ListPartitionReassignmentsRequest) request;
        List<TopicPartition> partitions = null;
        if (req.topics() != null) {
            partitions = new ArrayList<>();
            for (ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics t : req.topics()) {
                for (int p : t.partitionIndexes()) {
                    partitions.add(new TopicPartition(t.name(), p));
                }
            }
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().listPartitionReassignments(partitions)),
                ctx, sink, ListPartitionReassignmentsHandler::response,
                error -> new ListPartitionReassignmentsResponse().setErrorCode(error.codeValue())
                        .setErrorMessage(error.message()).setTopics(List.of()));
    }

    private static ListPartitionReassignmentsResponse response(List<OngoingReassignment> ongoing) {
        Map<String, List<ListPartitionReassignmentsResponse.OngoingPartitionReassignment>> byTopic =
                new LinkedHashMap<>();
        for (OngoingReassignment r : ongoing) {
            byTopic.computeIfAbsent(r.partition().topic(), t -> new ArrayList<>()).add(
                    new ListPartitionReassignmentsResponse.OngoingPartitionReassignment()
                            .setPartitionIndex(r.partition().partition()).setReplicas(r.replicas())
                            .setAddingReplicas(r.addingReplicas()).setRemovingReplicas(r.removingReplicas()));
        }
        List<ListPartitionReassignmentsResponse.OngoingTopicReassignment> out = new ArrayList<>(byTopic.size());
        byTopic.forEach((t, ps) -> out.add(new ListPartitionReassignmentsResponse.OngoingTopicReassignment()
                .setName(t).setPartitions(ps)));
        return new ListPartitionReassignmentsResponse().setErrorCode(ErrorCode.NONE.code()).setTopics(out);
    }
}
