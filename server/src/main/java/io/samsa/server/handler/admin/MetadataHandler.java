package io.samsa.server.handler.admin;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metadata (key 3, v0-13): the live (unfenced) brokers reachable on the request's listener, cluster id, controller
 * id ({@link BrokerMetadata#controllerId}), and the requested topics with their partitions, read from the current
 * metadata image.
 *
 * <p>Which topics: v0 sends an empty list for "all topics"; from v1 null means all and empty means
 * none. From v12 a topic may be named by id (unknown id: {@code UNKNOWN_TOPIC_ID}, null name).
 * A missing topic is {@code UNKNOWN_TOPIC_OR_PARTITION}, an illegal name {@code INVALID_TOPIC_EXCEPTION}.
 *
 * <p>Auto-creation: when {@code auto.create.topics.enable} is on and the request allows it (always
 * before v4, {@code allow_auto_topic_creation} from v4), missing topics with legal names are created
 * with {@code num.partitions} and {@code default.replication.factor} (internal topics with their own
 * settings, {@link InternalTopics}; not while fewer brokers are live than their replication factor:
 * {@code COORDINATOR_NOT_AVAILABLE}, as Kafka answers). Unlike Kafka, which answers {@code LEADER_NOT_AVAILABLE} and lets
 * the client retry, the response waits for the creation to commit and describes the new partitions:
 * one round trip instead of a retry with backoff for the Java client and librdkafka alike. A topic
 * whose creation fails is answered {@code LEADER_NOT_AVAILABLE} (Kafka's answer), except for an
 * illegal or colliding name ({@code INVALID_TOPIC_EXCEPTION}).
 *
 * <p>Runs on the connection's event loop; never blocks: a creation completes on the controller
 * thread, which builds the response and hands it to the sink.
 */
public final class MetadataHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(MetadataHandler.class);

    private final BrokerConfig config;
    private final BrokerMetadata metadata;

    public MetadataHandler(BrokerConfig config, BrokerMetadata metadata) {
        this.config = config;
        this.metadata = metadata;
    }

    /** One topic of the request: by name, or by id (v12+), or refused outright. */
    private record Wanted(String name, UUID id, ErrorCode refused) {
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        MetadataRequest req = (MetadataRequest) request;
        short version = ctx.apiVersion();
        MetadataImage image = metadata.image();
        List<MetadataRequest.MetadataRequestTopic> topics = req.topics();
        if (topics == null || (version == 0 && topics.isEmpty())) {
            sink.send(allTopics(ctx, req, image));
            return;
        }
        List<Wanted> wanted = wanted(topics, version);
        boolean autoCreate = config.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE)
                && (version < 4 || req.allowAutoTopicCreation());
        List<CreateTopicRequest> toCreate = new ArrayList<>();
        Map<String, ApiError> notYet = new HashMap<>();
        if (autoCreate) {
            for (Wanted w : wanted) {
                if (w.refused == null && w.name != null && image.topic(w.name) == null && isLegal(w.name)) {
                    CreateTopicRequest internal = InternalTopics.creationRequest(w.name, config);
                    String shortOf = internal == null ? null
                            : InternalTopics.shortOfBrokers(internal, image.liveBrokerCount());
                    if (shortOf != null) {
                        // Kafka's answer for an internal topic it cannot place yet.
                        notYet.put(w.name, ApiError.of(ErrorCode.COORDINATOR_NOT_AVAILABLE, shortOf));
                    } else {
                        toCreate.add(internal != null ? internal : CreateTopicRequest.of(w.name, -1, -1));
                    }
                }
            }
        }
        if (toCreate.isEmpty()) {
            sink.send(response(ctx, req, image, wanted, notYet));
            return;
        }
        log.debug("{}Auto-creating {} topic(s)", ctx.logPrefix(), toCreate.size());
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().createTopics(toCreate, false)), ctx, sink,
                results -> {
            Map<String, ApiError> failed = new HashMap<>(notYet);
            for (CreateTopicResult r : results) {
                if (r.error() == ErrorCode.NONE || r.error() == ErrorCode.TOPIC_ALREADY_EXISTS) {
                    continue;
                }
                if (r.error() == ErrorCode.INVALID_TOPIC_EXCEPTION) {
                    failed.put(r.name(), ApiError.of(r.error(), r.errorMessage()));
                } else {
                    log.warn("{}Could not auto-create topic {}: {} ({})", ctx.logPrefix(), r.name(), r.error(),
                            r.errorMessage());
                    failed.put(r.name(), ApiError.of(ErrorCode.LEADER_NOT_AVAILABLE, null));
                }
            }
            return response(ctx, req, metadata.image(), wanted, failed);
        }, error -> {
            Map<String, ApiError> failed = new HashMap<>(notYet);
            ApiError answer = error.code() == ErrorCode.UNKNOWN_SERVER_ERROR ? error
                    : ApiError.of(ErrorCode.LEADER_NOT_AVAILABLE, null);
            for (CreateTopicRequest t : toCreate) {
                failed.put(t.name(), answer);
            }
            return response(ctx, req, metadata.image(), wanted, failed);
        });
    }

    private static List<Wanted> wanted(List<MetadataRequest.MetadataRequestTopic> topics, short version) {
        Set<Object> seen = new LinkedHashSet<>();
        List<Wanted> out = new ArrayList<>(topics.size());
        for (MetadataRequest.MetadataRequestTopic t : topics) {
            UUID id = t.topicId() == null || ProtocolCodec.ZERO_UUID.equals(t.topicId()) ? null : t.topicId();
            Wanted w;
            if (id != null) {
                // v12+ (KIP-516): a topic may be named by id; before that, ids are not accepted.
                w = version >= 12 ? new Wanted(null, id, null)
                        : new Wanted(t.name() == null ? "" : t.name(), null, ErrorCode.INVALID_REQUEST);
            } else if (t.name() == null) {
                w = new Wanted(version >= 12 ? null : "", null, ErrorCode.INVALID_REQUEST);
            } else {
                w = new Wanted(t.name(), null, null);
            }
            if (seen.add(w.id != null ? w.id : w.name)) {
                out.add(w);
            }
        }
        return out;
    }

    private static boolean isLegal(String name) {
        try {
            TopicNames.validate(name);
            return true;
        } catch (SamsaException e) {
            return false;
        }
    }

    private MetadataResponse allTopics(RequestContext ctx, MetadataRequest req, MetadataImage image) {
        MetadataResponse resp = header(ctx, req, image);
        List<MetadataResponse.MetadataResponseTopic> out = new ArrayList<>(image.topicsByName().size());
        for (TopicImage t : image.topicsByName().values()) {
            out.add(topic(ctx, req, image, t));
        }
        return resp.setTopics(out);
    }

    private MetadataResponse response(RequestContext ctx, MetadataRequest req, MetadataImage image,
                                      List<Wanted> wanted, Map<String, ApiError> failed) {
        MetadataResponse resp = header(ctx, req, image);
        List<MetadataResponse.MetadataResponseTopic> out = new ArrayList<>(wanted.size());
        for (Wanted w : wanted) {
            if (w.refused != null) {
                out.add(error(w.name, w.id, w.refused));
                continue;
            }
            TopicImage t = w.id != null ? image.topic(w.id) : image.topic(w.name);
            if (t != null) {
                out.add(topic(ctx, req, image, t));
            } else if (w.id != null) {
                out.add(error(null, w.id, ErrorCode.UNKNOWN_TOPIC_ID));
            } else if (!isLegal(w.name)) {
                out.add(error(w.name, null, ErrorCode.INVALID_TOPIC_EXCEPTION));
            } else {
                ApiError f = failed.get(w.name);
                out.add(error(w.name, null, f != null ? f.code() : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
            }
        }
        return resp.setTopics(out);
    }

    private MetadataResponse header(RequestContext ctx, MetadataRequest req, MetadataImage image) {
        List<MetadataResponse.MetadataResponseBroker> brokers = new ArrayList<>(image.brokers().size());
        for (BrokerRegistration b : image.brokers().values()) {
            if (b.fenced()) {
                continue;
            }
            Endpoint e = b.listener(ctx.listenerName());
            if (e != null) {
                brokers.add(new MetadataResponse.MetadataResponseBroker().setNodeId(b.nodeId()).setHost(e.host())
                        .setPort(e.port()).setRack(b.rack()));
            }
        }
        MetadataResponse resp = new MetadataResponse().setBrokers(brokers).setClusterId(image.clusterId())
                .setControllerId(metadata.controllerId(image));
        // v8-10 (KIP-430): cluster authorized operations, when asked for.
        if (req.includeClusterAuthorizedOperations() && ctx.apiVersion() >= 8 && ctx.apiVersion() <= 10) {
            resp.setClusterAuthorizedOperations(AuthorizedOperations.CLUSTER);
        }
        return resp;
    }

    private static MetadataResponse.MetadataResponseTopic error(String name, UUID id, ErrorCode code) {
        return new MetadataResponse.MetadataResponseTopic().setErrorCode(code.code()).setName(name)
                .setTopicId(id != null ? id : ProtocolCodec.ZERO_UUID)
                .setIsInternal(name != null && TopicNames.isInternal(name)).setPartitions(new ArrayList<>(0));
    }

    private static MetadataResponse.MetadataResponseTopic topic(RequestContext ctx, MetadataRequest req,
                                                               MetadataImage image, TopicImage t) {
        short version = ctx.apiVersion();
        List<MetadataResponse.MetadataResponsePartition> partitions = new ArrayList<>(t.numPartitions());
        for (PartitionRegistration p : t.partitions().values()) {
            PartitionView view = PartitionView.of(image, p, ctx.listenerName(), version >= 6);
            MetadataResponse.MetadataResponsePartition mp = new MetadataResponse.MetadataResponsePartition()
                    .setPartitionIndex(p.partition()).setLeaderEpoch(p.leaderEpoch())
                    .setOfflineReplicas(view.offline()).setErrorCode(view.error().code())
                    .setLeaderId(view.leaderId());
            if (version == 0) {
                // v0 lists only replicas with an endpoint and flags the others as unavailable.
                List<Integer> replicas = PartitionView.reachable(image, p.replicas(), ctx.listenerName());
                List<Integer> isr = PartitionView.reachable(image, p.isr(), ctx.listenerName());
                if (view.error() == ErrorCode.NONE
                        && (replicas.size() < p.replicas().size() || isr.size() < p.isr().size())) {
                    mp.setErrorCode(ErrorCode.REPLICA_NOT_AVAILABLE.code());
                }
                mp.setReplicaNodes(replicas).setIsrNodes(isr);
            } else {
                mp.setReplicaNodes(p.replicas()).setIsrNodes(p.isr());
            }
            partitions.add(mp);
        }
        MetadataResponse.MetadataResponseTopic out = new MetadataResponse.MetadataResponseTopic()
                .setErrorCode(ErrorCode.NONE.code()).setName(t.name()).setTopicId(t.id())
                .setIsInternal(TopicNames.isInternal(t.name())).setPartitions(partitions);
        if (version >= 8 && req.includeTopicAuthorizedOperations()) {
            out.setTopicAuthorizedOperations(AuthorizedOperations.TOPIC);
        }
        return out;
    }
}
