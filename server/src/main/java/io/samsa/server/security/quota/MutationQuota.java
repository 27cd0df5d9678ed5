package io.samsa.server.security.quota;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.server.handler.RequestContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreatePartitionsRequest;
import io.samsa.wire.message.CreatePartitionsResponse;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.protocol.Message;
import java.util.function.Supplier;

/**
 * The controller mutation rate (KIP-599) of CreateTopics, DeleteTopics and CreatePartitions: partitions created or
 * deleted per second. While the client's bucket is in debt, a request of a version that knows the error
 * (CreateTopics v6+, DeleteTopics v5+, CreatePartitions v3+) is refused whole: every topic answers
 * {@code THROTTLING_QUOTA_EXCEEDED} with the throttle time, and nothing changes. Older versions are admitted and
 * only throttled. An admitted request takes its partitions from the bucket: a CreateTopics' created topics' partitions
 * as answered; a DeleteTopics' and a CreatePartitions' partitions as the image has them when the request arrives
 * (deleted topics are gone from it by the time of the answer). Validate-only requests take nothing. Thread-safe.
 */
final class MutationQuota {
    static final short CREATE_TOPICS = 19;
    static final short DELETE_TOPICS = 20;
    static final short CREATE_PARTITIONS = 37;

    private final ClientQuotas quotas;
    private final Supplier<MetadataImage> image;

    MutationQuota(ClientQuotas quotas, Supplier<MetadataImage> image) {
        this.quotas = quotas;
        this.image = image;
    }

    static boolean isMutation(short apiKey) {
        return apiKey == CREATE_TOPICS || apiKey == DELETE_TOPICS || apiKey == CREATE_PARTITIONS;
    }

    /** The refusal of {@code request} while the client's bucket is in debt, or null when it is admitted. */
    Message refusal(RequestContext rc, Message request, String user, String clientId) {
        short v = rc.apiVersion();
        boolean strict = rc.apiKey() == CREATE_TOPICS && v >= 6 || rc.apiKey() == DELETE_TOPICS && v >= 5
                || rc.apiKey() == CREATE_PARTITIONS && v >= 3;
        long throttle = quotas.mutationThrottle(user, clientId);
        if (throttle > 0 && strict) {
            return refuse(request, (int) Math.min(Integer.MAX_VALUE, throttle));
        }
        if (rc.apiKey() != CREATE_TOPICS) {
            quotas.recordMutations(user, clientId, partitionsBefore(request));
        }
        return null;
    }

    /** Takes a CreateTopics' created partitions; returns the client's mutation throttle time (ms). */
    long record(RequestContext rc, Message request, Message response, String user, String clientId) {
        if (request instanceof CreateTopicsRequest req && !req.validateOnly()
                && response instanceof CreateTopicsResponse resp) {
            int partitions = 0;
            for (CreateTopicsResponse.CreatableTopicResult t : resp.topics()) {
                if (t.errorCode() == ErrorCode.NONE.code()) {
                    partitions += t.numPartitions() > 0 ? t.numPartitions() : requested(req, t.name());
                }
            }
            quotas.recordMutations(user, clientId, partitions);
        }
        return quotas.mutationThrottle(user, clientId);
    }

    private static int requested(CreateTopicsRequest req, String name) {
        for (CreateTopicsRequest.CreatableTopic t : req.topics()) {
            if (t.name().equals(name)) {
                return t.numPartitions() > 0 ? t.numPartitions() : Math.max(1, t.assignments().size());
            }
        }
        return 1;
    }

    /** The partitions a DeleteTopics deletes or a CreatePartitions adds, by the current image. */
    private int partitionsBefore(Message request) {
        MetadataImage img = image.get();
        int n = 0;
        if (request instanceof DeleteTopicsRequest req) {
            for (String name : req.topicNames()) {
                n += partitions(img.topic(name));
            }
            for (DeleteTopicsRequest.DeleteTopicState t : req.topics()) {
                n += partitions(t.name() != null ? img.topic(t.name()) : img.topic(t.topicId()));
            }
        } else if (request instanceof CreatePartitionsRequest req && !req.validateOnly()) {
            for (CreatePartitionsRequest.CreatePartitionsTopic t : req.topics()) {
                TopicImage topic = img.topic(t.name());
                if (topic != null) {
                    n += Math.max(0, t.count() - topic.partitions().size());
                }
            }
        }
        return n;
    }

    private static int partitions(TopicImage t) {
        return t == null ? 0 : t.partitions().size();
    }

    private static Message refuse(Message request, int throttleMs) {
        ErrorCode e = ErrorCode.THROTTLING_QUOTA_EXCEEDED;
        if (request instanceof CreateTopicsRequest req) {
            CreateTopicsResponse resp = new CreateTopicsResponse().setThrottleTimeMs(throttleMs);
            for (CreateTopicsRequest.CreatableTopic t : req.topics()) {
                resp.topics().add(new CreateTopicsResponse.CreatableTopicResult().setName(t.name())
                        .setErrorCode(e.code()).setErrorMessage(e.defaultMessage()));
            }
            return resp;
        }
        if (request instanceof DeleteTopicsRequest req) {
            DeleteTopicsResponse resp = new DeleteTopicsResponse().setThrottleTimeMs(throttleMs);
            for (String name : req.topicNames()) {
                resp.responses().add(new DeleteTopicsResponse.DeletableTopicResult().setName(name)
                        .setErrorCode(e.code()).setErrorMessage(e.defaultMessage()));
            }
            for (DeleteTopicsRequest.DeleteTopicState t : req.topics()) {
                resp.responses().add(new DeleteTopicsResponse.DeletableTopicResult().setName(t.name())
                        .setTopicId(t.topicId()).setErrorCode(e.code()).setErrorMessage(e.defaultMessage()));
            }
            return resp;
        }
        CreatePartitionsRequest req = (CreatePartitionsRequest) request;
        CreatePartitionsResponse resp = new CreatePartitionsResponse().setThrottleTimeMs(throttleMs);
        for (CreatePartitionsRequest.CreatePartitionsTopic t : req.topics()) {
            resp.results().add(new CreatePartitionsResponse.CreatePartitionsTopicResult().setName(t.name())
                    .setErrorCode(e.code()).setErrorMessage(e.defaultMessage()));
        }
        return resp;
    }
}
