package io.samsa.server.handler.admin;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.DescribeTopicPartitionsRequest;
import io.samsa.wire.message.DescribeTopicPartitionsResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * DescribeTopicPartitions (key 75, v0, KIP-966): topics in name order with their partitions, paged.
 * The client names topics (none = every topic) and may pass a cursor (topic, first partition) from a
 * previous answer; at most {@code response_partition_limit} partitions (capped at 2000, Kafka's
 * {@code max.request.partition.size.limit}) are returned, and {@code next_cursor} points at the first
 * partition not returned. A named topic that does not exist is {@code UNKNOWN_TOPIC_OR_PARTITION}
 * ({@code INVALID_TOPIC_EXCEPTION} for an illegal name); a cursor with a negative partition, or one
 * whose topic is not among the named topics, makes every named topic {@code INVALID_REQUEST}.
 * Each partition carries its eligible leader replicas and last known ELR (KIP-966; empty while the
 * {@code eligible.leader.replicas.version} feature is off), which Metadata does not. Runs on the connection's event
 * loop and answers at once from the current metadata image.
 */
public final class DescribeTopicPartitionsHandler implements ApiHandler {
    /** Kafka's default {@code max.request.partition.size.limit}. */
    static final int MAX_PARTITIONS = 2000;

    private final BrokerMetadata metadata;

    public DescribeTopicPartitionsHandler(BrokerMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeTopicPartitionsRequest req = (DescribeTopicPartitionsRequest) request;
        MetadataImage image = metadata.image();
        DescribeTopicPartitionsRequest.Cursor cursor = req.cursor();
        boolean all = req.topics().isEmpty();
        NavigableSet<String> names = new TreeSet<>();
        if (all) {
            names.addAll(image.topicsByName().keySet());
        } else {
            for (DescribeTopicPartitionsRequest.TopicRequest t : req.topics()) {
                names.add(t.name());
            }
        }
        DescribeTopicPartitionsResponse resp = new DescribeTopicPartitionsResponse();
        List<DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic> out = new ArrayList<>();
        if (cursor != null && (cursor.partitionIndex() < 0 || (!all && !names.contains(cursor.topicName())))) {
            for (String name : names) {
                out.add(error(name, ErrorCode.INVALID_REQUEST));
            }
            sink.send(resp.setTopics(out));
            return;
        }
        if (cursor != null) {
            names = names.tailSet(cursor.topicName(), true);
        }
        int limit = req.responsePartitionLimit() < 1 ? MAX_PARTITIONS
                : Math.min(req.responsePartitionLimit(), MAX_PARTITIONS);
        int remaining = limit;
        for (String name : names) {
            if (remaining == 0) {
                resp.setNextCursor(cursor(name, 0));
                break;
            }
            TopicImage t = image.topic(name);
            if (t == null) {
                out.add(error(name, legal(name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                        : ErrorCode.INVALID_TOPIC_EXCEPTION));
                continue;
            }
            int first = cursor != null && name.equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
            List<DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition> parts = new ArrayList<>();
            int p = first;
            for (; p < t.numPartitions() && parts.size() < remaining; p++) {
                parts.add(partition(ctx, image, t.partition(p)));
            }
            out.add(new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic()
                    .setErrorCode(ErrorCode.NONE.code()).setName(name).setTopicId(t.id())
                    .setIsInternal(TopicNames.isInternal(name)).setPartitions(parts)
                    .setTopicAuthorizedOperations(AuthorizedOperations.TOPIC));
            if (p < t.numPartitions()) {
                resp.setNextCursor(cursor(name, p));
                break;
            }
            remaining -= parts.size();
        }
        sink.send(resp.setTopics(out));
    }

    private static DescribeTopicPartitionsResponse.Cursor cursor(String topic, int partition) {
        return new DescribeTopicPartitionsResponse.Cursor().setTopicName(topic).setPartitionIndex(partition);
    }

    private static boolean legal(String name) {
        try {
            TopicNames.validate(name);
            return true;
        } catch (SamsaException e) {
            return false;
        }
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic error(String name,
                                                                                            ErrorCode code) {
        return new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic().setErrorCode(code.code())
                .setName(name).setTopicId(ProtocolCodec.ZERO_UUID).setIsInternal(TopicNames.isInternal(name))
                .setPartitions(new ArrayList<>(0));
    }

    private static DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition partition(
            RequestContext ctx, MetadataImage image, PartitionRegistration p) {
        PartitionView view = PartitionView.of(image, p, ctx.listenerName(), true);
        return new DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition()
                .setErrorCode(view.error().code()).setPartitionIndex(p.partition()).setLeaderId(view.leaderId())
                .setLeaderEpoch(p.leaderEpoch()).setReplicaNodes(p.replicas()).setIsrNodes(p.isr())
                .setEligibleLeaderReplicas(new ArrayList<>(p.eligibleLeaderReplicas()))
                .setLastKnownElr(new ArrayList<>(p.lastKnownElr()))
                .setOfflineReplicas(view.offline());
    }
}
