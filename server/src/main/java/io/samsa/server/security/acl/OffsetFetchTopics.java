package io.samsa.server.security.acl;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.handler.RequestContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The topic part of OffsetFetch's check: the offsets of a topic the principal may not DESCRIBE are not shown. A
 * request that names the topic gets TOPIC_AUTHORIZATION_FAILED for each of its partitions; a request for all the
 * group's offsets (topics null) does not see the topic at all. Applied to the handler's answer, per group (v8+).
 * Stateless.
 */
final class OffsetFetchTopics {
    private OffsetFetchTopics() {
    }

    static void check(RequestContext ctx, OffsetFetchRequest req, OffsetFetchResponse resp, AclAuthorizer a,
                      MetadataImage image) {
        short denied = ErrorCode.TOPIC_AUTHORIZATION_FAILED.code();
        if (ctx.apiVersion() < 8) {
            boolean all = req.topics() == null;
            resp.topics().removeIf(t -> all && !describable(ctx, a, t.name()));
            for (OffsetFetchResponse.OffsetFetchResponseTopic t : resp.topics()) {
                if (!describable(ctx, a, t.name())) {
                    for (OffsetFetchResponse.OffsetFetchResponsePartition p : t.partitions()) {
                        p.setErrorCode(denied).setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
                    }
                }
            }
            return;
        }
        Map<String, Boolean> allTopics = new HashMap<>();
        for (OffsetFetchRequest.OffsetFetchRequestGroup g : req.groups()) {
            allTopics.put(g.groupId(), g.topics() == null);
        }
        for (OffsetFetchResponse.OffsetFetchResponseGroup g : resp.groups()) {
            boolean all = allTopics.getOrDefault(g.groupId(), false);
            g.topics().removeIf(t -> all && !describable(ctx, a, name(t, image)));
            for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
                if (!describable(ctx, a, name(t, image))) {
                    for (OffsetFetchResponse.OffsetFetchResponsePartitions p : t.partitions()) {
                        p.setErrorCode(denied).setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
                    }
                }
            }
        }
    }

    /** The topic's name; v10 (KIP-848 topic ids) may carry only its id. Null when neither names a known topic. */
    private static String name(OffsetFetchResponse.OffsetFetchResponseTopics t, MetadataImage image) {
        if (t.name() != null && !t.name().isEmpty()) {
            return t.name();
        }
        UUID id = t.topicId();
        return AclChecks.topicName(image, id);
    }

    /** Unknown topics (no name) are left to the handler's own answer. */
    private static boolean describable(RequestContext ctx, AclAuthorizer a, String topic) {
        return topic == null || a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TOPIC, topic);
    }
}
