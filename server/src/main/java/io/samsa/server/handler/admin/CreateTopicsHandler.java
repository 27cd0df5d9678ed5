package io.samsa.server.handler.admin;

import io.samsa.metadata.ConfigDescription;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CreateTopics (key 19, v0-7): hands the topics to the controller, which validates them with Kafka's
 * rules (names, counts, -1 for the broker defaults from v4, assignments, configs) and creates them
 * (or only validates, v1+ {@code validate_only}). The answer per topic is the controller's error code
 * and message (v1+); v5+ adds the partition count, replication factor and effective configs, v7+
 * the topic id (zero when only validating).
 *
 * <p>Checked here, before the controller: a name given twice ({@code INVALID_REQUEST}), a partition
 * index or config name given twice in one topic. Runs on the connection's event loop; the response
 * is built on the controller thread when the creation commits.
 */
public final class CreateTopicsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public CreateTopicsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        CreateTopicsRequest req = (CreateTopicsRequest) request;
        List<CreateTopicsRequest.CreatableTopic> topics = req.topics();
        Map<String, Integer> nameCounts = new HashMap<>();
        for (CreateTopicsRequest.CreatableTopic t : topics) {
            nameCounts.merge(t.name(), 1, Integer::sum);
        }
        ApiError[] refused = new ApiError[topics.size()];
        List<CreateTopicRequest> toController = new ArrayList<>(topics.size());
        for (int i = 0; i < topics.size(); i++) {
            CreateTopicsRequest.CreatableTopic t = topics.get(i);
            refused[i] = nameCounts.get(t.name()) > 1
                    ? ApiError.of(ErrorCode.INVALID_REQUEST, "Duplicate topic name.") : null;
            if (refused[i] == null) {
                refused[i] = toRequest(t, toController);
            }
        }
        boolean validateOnly = ctx.apiVersion() >= 1 && req.validateOnly();
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().createTopics(toController, validateOnly)),
                ctx, sink, results -> {
            List<CreateTopicsResponse.CreatableTopicResult> out = new ArrayList<>(topics.size());
            int next = 0;
            for (int i = 0; i < topics.size(); i++) {
                out.add(refused[i] != null ? failed(topics.get(i).name(), refused[i])
                        : result(results.get(next++)));
            }
            return new CreateTopicsResponse().setTopics(out);
        }, error -> {
            List<CreateTopicsResponse.CreatableTopicResult> out = new ArrayList<>(topics.size());
            for (int i = 0; i < topics.size(); i++) {
                out.add(failed(topics.get(i).name(), refused[i] != null ? refused[i] : error));
            }
            return new CreateTopicsResponse().setTopics(out);
        });
    }

    /** Adds the controller's request for {@code t} to {@code out}, or returns why it is refused. */
    private static ApiError toRequest(CreateTopicsRequest.CreatableTopic t, List<CreateTopicRequest> out) {
        Map<Integer, List<Integer>> assignments = new LinkedHashMap<>();
        for (CreateTopicsRequest.CreatableReplicaAssignment a : t.assignments()) {
            if (assignments.put(a.partitionIndex(), a.brokerIds()) != null) {
                return ApiError.of(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Partition " + a.partitionIndex()
                        + " is assigned more than once.");
            }
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreateTopicsRequest.CreatableTopicConfig c : t.configs()) {
            if (configs.containsKey(c.name())) {
                return ApiError.of(ErrorCode.INVALID_REQUEST, "Config " + c.name() + " is given more than once.");
            }
            configs.put(c.name(), c.value());
        }
        out.add(new CreateTopicRequest(t.name(), t.numPartitions(), t.replicationFactor(), assignments, configs));
        return null;
    }

    private static CreateTopicsResponse.CreatableTopicResult failed(String name, ApiError error) {
        return new CreateTopicsResponse.CreatableTopicResult().setName(name).setErrorCode(error.codeValue())
                .setErrorMessage(error.message()).setTopicId(ProtocolCodec.ZERO_UUID);
    }

    private static CreateTopicsResponse.CreatableTopicResult result(CreateTopicResult r) {
        if (r.error() != ErrorCode.NONE) {
            return failed(r.name(), ApiError.of(r.error(), r.errorMessage()));
        }
        List<CreateTopicsResponse.CreatableTopicConfigs> configs = new ArrayList<>(r.configs().size());
        for (ConfigDescription c : r.configs()) {
            configs.add(new CreateTopicsResponse.CreatableTopicConfigs().setName(c.name())
                    .setValue(c.sensitive() ? null : c.value()).setReadOnly(c.readOnly())
                    .setConfigSource(c.source().id()).setIsSensitive(c.sensitive()));
        }
        return new CreateTopicsResponse.CreatableTopicResult().setName(r.name())
                .setTopicId(r.topicId() != null ? r.topicId() : ProtocolCodec.ZERO_UUID)
                .setErrorCode(ErrorCode.NONE.code()).setNumPartitions(r.numPartitions())
                .setReplicationFactor((short) r.replicationFactor()).setConfigs(configs);
    }
}
