package io.samsa.server.cluster;

import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.AlterPartitionItem;
import io.samsa.controller.AlterPartitionResult;
import io.samsa.controller.ApiResult;
import io.samsa.controller.ClientQuotaAlteration;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.controller.DeleteTopicResult;
import io.samsa.controller.ElectionType;
import io.samsa.controller.FeatureUpdate;
import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.Reassignment;
import io.samsa.controller.ScramAlteration;
import io.samsa.controller.TopicPartition;
import io.samsa.controller.TopicRef;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.AlterClientQuotasRequest;
import io.samsa.wire.message.AlterClientQuotasResponse;
import io.samsa.wire.message.AlterConfigsResponse;
import io.samsa.wire.message.AlterPartitionRequest;
import io.samsa.wire.message.AlterPartitionResponse;
import io.samsa.wire.message.AlterPartitionReassignmentsRequest;
import io.samsa.wire.message.AlterUserScramCredentialsRequest;
import io.samsa.wire.message.AlterPartitionReassignmentsResponse;
import io.samsa.wire.message.CreatePartitionsResponse;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.message.ElectLeadersRequest;
import io.samsa.wire.message.ElectLeadersResponse;
import io.samsa.wire.message.IncrementalAlterConfigsRequest;
import io.samsa.wire.message.IncrementalAlterConfigsResponse;
import io.samsa.wire.message.ListPartitionReassignmentsRequest;
import io.samsa.wire.message.ListPartitionReassignmentsResponse;
import io.samsa.wire.message.UpdateFeaturesRequest;
import io.samsa.wire.message.UpdateFeaturesResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The admin operations of the {@link io.samsa.controller.Controller} interface as Kafka's requests to the active
 * controller, and its responses back as the interface's results: what {@link RemoteController} sends and reads.
 * The controller side reads these requests with the broker's own admin handlers, so a forwarded operation is
 * answered exactly as a local one. Requests are built at the highest version (all flexible). Stateless.
 */
final class ControllerCodec {
    /** The timeout a forwarded admin request carries (the broker applies its own). */
    private static final int TIMEOUT_MS = 30_000;

    private ControllerCodec() {
    }

    static ErrorCode code(short code) {
        ErrorCode c = ErrorCode.forCode(code);
        return c != null ? c : ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    // ---------------------------------------------------------------- CreateTopics

    static CreateTopicsRequest createTopics(List<CreateTopicRequest> topics, boolean validateOnly) {
        List<CreateTopicsRequest.CreatableTopic> out = new ArrayList<>(topics.size());
        for (CreateTopicRequest t : topics) {
            List<CreateTopicsRequest.CreatableReplicaAssignment> assignments = new ArrayList<>();
            t.assignments().forEach((p, replicas) -> assignments.add(new CreateTopicsRequest.CreatableReplicaAssignment()
                    .setPartitionIndex(p).setBrokerIds(replicas)));
            List<CreateTopicsRequest.CreatableTopicConfig> configs = new ArrayList<>();
            t.configs().forEach((k, v) -> configs.add(new CreateTopicsRequest.CreatableTopicConfig().setName(k)
                    .setValue(v)));
            out.add(new CreateTopicsRequest.CreatableTopic().setName(t.name()).setNumPartitions(t.numPartitions())
                    .setReplicationFactor((short) t.replicationFactor()).setAssignments(assignments)
                    .setConfigs(configs));
        }
        return new CreateTopicsRequest().setTopics(out).setTimeoutMs(TIMEOUT_MS).setValidateOnly(validateOnly);
    }

    static List<CreateTopicResult> createTopicResults(CreateTopicsResponse r) {
        List<CreateTopicResult> out = new ArrayList<>(r.topics().size());
        for (CreateTopicsResponse.CreatableTopicResult t : r.topics()) {
            ErrorCode error = code(t.errorCode());
            if (error != ErrorCode.NONE) {
                out.add(new CreateTopicResult(t.name(), null, error, t.errorMessage(), -1, -1, List.of()));
                continue;
            }
            List<ConfigDescription> configs = new ArrayList<>(t.configs().size());
            for (CreateTopicsResponse.CreatableTopicConfigs c : t.configs()) {
                configs.add(new ConfigDescription(c.name(), c.value(), source(c.configSource()), null, c.readOnly(),
                        c.isSensitive(), null, List.of()));
            }
            UUID id = ProtocolCodec.ZERO_UUID.equals(t.topicId()) ? null : t.topicId();
            out.add(new CreateTopicResult(t.name(), id, error, null, t.numPartitions(), t.replicationFactor(),
                    configs));
        }
        return out;
    }

    private static ConfigSource source(byte id) {
        for (ConfigSource s : ConfigSource.values()) {
            if (s.id() == id) {
                return s;
            }
        }
        return ConfigSource.DEFAULT_CONFIG;
    }

    // ---------------------------------------------------------------- DeleteTopics

    static DeleteTopicsRequest deleteTopics(List<TopicRef> topics) {
        List<DeleteTopicsRequest.DeleteTopicState> out = new ArrayList<>(topics.size());
        for (TopicRef t : topics) {
            out.add(new DeleteTopicsRequest.DeleteTopicState().setName(t.name())
                    .setTopicId(t.id() != null ? t.id() : ProtocolCodec.ZERO_UUID));
        }
        return new DeleteTopicsRequest().setTopics(out).setTimeoutMs(TIMEOUT_MS);
    }

    static List<DeleteTopicResult> deleteTopicResults(DeleteTopicsResponse r) {
        List<DeleteTopicResult> out = new ArrayList<>(r.responses().size());
        for (DeleteTopicsResponse.DeletableTopicResult t : r.responses()) {
            UUID id = t.topicId() == null || ProtocolCodec.ZERO_UUID.equals(t.topicId()) ? null : t.topicId();
            out.add(new DeleteTopicResult(t.name(), id, code(t.errorCode()), t.errorMessage()));
        }
        return out;
    }

    // ---------------------------------------------------------------- CreatePartitions

    static io.samsa.wire.message.CreatePartitionsRequest createPartitions(List<CreatePartitionsRequest> topics,
                                                                         boolean validateOnly) {
        List<io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsTopic> out = new ArrayList<>();
        for (CreatePartitionsRequest t : topics) {
            List<io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsAssignment> assignments = null;
            if (t.assignments() != null) {
                assignments = new ArrayList<>(t.assignments().size());
                for (List<Integer> replicas : t.assignments()) {
                    assignments.add(new io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsAssignment()
                            .setBrokerIds(replicas));
                }
            }
            out.add(new io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsTopic().setName(t.topic())
                    .setCount(t.count()).setAssignments(assignments));
        }
        return new io.samsa.wire.message.CreatePartitionsRequest().setTopics(out).setTimeoutMs(TIMEOUT_MS)
                .setValidateOnly(validateOnly);
    }

    static List<ApiResult<String>> createPartitionsResults(CreatePartitionsResponse r) {
        List<ApiResult<String>> out = new ArrayList<>(r.results().size());
        for (CreatePartitionsResponse.CreatePartitionsTopicResult t : r.results()) {
            out.add(new ApiResult<>(t.name(), code(t.errorCode()), t.errorMessage()));
        }
        return out;
    }

    // ---------------------------------------------------------------- configs

    static io.samsa.wire.message.AlterConfigsRequest alterConfigs(List<AlterConfigsRequest> resources,
                                                                 boolean validateOnly) {
        List<io.samsa.wire.message.AlterConfigsRequest.AlterConfigsResource> out = new ArrayList<>();
        for (AlterConfigsRequest r : resources) {
            List<io.samsa.wire.message.AlterConfigsRequest.AlterableConfig> configs = new ArrayList<>();
            for (AlterConfigOp op : r.ops()) {
                configs.add(new io.samsa.wire.message.AlterConfigsRequest.AlterableConfig().setName(op.key())
                        .setValue(op.value()));
            }
            out.add(new io.samsa.wire.message.AlterConfigsRequest.AlterConfigsResource()
                    .setResourceType(r.resource().type().id()).setResourceName(r.resource().name())
                    .setConfigs(configs));
        }
        return new io.samsa.wire.message.AlterConfigsRequest().setResources(out).setValidateOnly(validateOnly);
    }

    static List<ApiResult<ConfigResource>> alterConfigsResults(AlterConfigsResponse r) {
        List<ApiResult<ConfigResource>> out = new ArrayList<>(r.responses().size());
        for (AlterConfigsResponse.AlterConfigsResourceResponse c : r.responses()) {
            out.add(new ApiResult<>(resource(c.resourceType(), c.resourceName()), code(c.errorCode()),
                    c.errorMessage()));
        }
        return out;
    }

    static IncrementalAlterConfigsRequest incrementalAlterConfigs(List<AlterConfigsRequest> resources,
                                                                  boolean validateOnly) {
        List<IncrementalAlterConfigsRequest.AlterConfigsResource> out = new ArrayList<>();
        for (AlterConfigsRequest r : resources) {
            List<IncrementalAlterConfigsRequest.AlterableConfig> configs = new ArrayList<>();
            for (AlterConfigOp op : r.ops()) {
                configs.add(new IncrementalAlterConfigsRequest.AlterableConfig().setName(op.key())
                        .setConfigOperation(op.op().id()).setValue(op.value()));
            }
            out.add(new IncrementalAlterConfigsRequest.AlterConfigsResource()
                    .setResourceType(r.resource().type().id()).setResourceName(r.resource().name())
                    .setConfigs(configs));
        }
        return new IncrementalAlterConfigsRequest().setResources(out).setValidateOnly(validateOnly);
    }

    static List<ApiResult<ConfigResource>> incrementalAlterConfigsResults(IncrementalAlterConfigsResponse r) {
        List<ApiResult<ConfigResource>> out = new ArrayList<>(r.responses().size());
        for (IncrementalAlterConfigsResponse.AlterConfigsResourceResponse c : r.responses()) {
            out.add(new ApiResult<>(resource(c.resourceType(), c.resourceName()), code(c.errorCode()),
                    c.errorMessage()));
        }
        return out;
    }

    private static ConfigResource resource(byte type, String name) {
        ConfigResource.Type t = ConfigResource.Type.forId(type);
        return new ConfigResource(t != null ? t : ConfigResource.Type.TOPIC, name);
    }

    // ---------------------------------------------------------------- features

    /**
     * The version a request goes at: the highest, but UpdateFeatures at v1, the last version that answers for each
     * feature (v2 answers with one error for the request, so a v0-1 client of the forwarding broker would lose which
     * feature was refused).
     */
    static short version(Message request) {
        return request instanceof UpdateFeaturesRequest ? (short) 1 : request.highestSupportedVersion();
    }

    static UpdateFeaturesRequest updateFeatures(List<FeatureUpdate> updates, boolean validateOnly) {
        List<UpdateFeaturesRequest.FeatureUpdateKey> keys = new ArrayList<>(updates.size());
        for (FeatureUpdate u : updates) {
            keys.add(new UpdateFeaturesRequest.FeatureUpdateKey().setFeature(u.feature())
                    .setMaxVersionLevel(u.maxVersionLevel())
                    .setUpgradeType((byte) (u.upgradeType().ordinal() + 1)));
        }
        return new UpdateFeaturesRequest().setTimeoutMs(TIMEOUT_MS).setFeatureUpdates(keys)
                .setValidateOnly(validateOnly);
    }

    /** One result per update, in request order; an answer without results (the whole request refused) throws. */
    static List<ApiResult<String>> updateFeaturesResults(UpdateFeaturesResponse r, List<FeatureUpdate> updates) {
        if (r.results().isEmpty() && !updates.isEmpty()) {
            throwIfError(r.errorCode(), r.errorMessage());
        }
        Map<String, UpdateFeaturesResponse.UpdatableFeatureResult> byFeature = new HashMap<>();
        for (UpdateFeaturesResponse.UpdatableFeatureResult f : r.results()) {
            byFeature.put(f.feature(), f);
        }
        List<ApiResult<String>> out = new ArrayList<>(updates.size());
        for (FeatureUpdate u : updates) {
            UpdateFeaturesResponse.UpdatableFeatureResult f = byFeature.get(u.feature());
            out.add(f == null
                    ? new ApiResult<>(u.feature(), ErrorCode.UNKNOWN_SERVER_ERROR, "The controller did not answer for "
                            + "this feature")
                    : new ApiResult<>(u.feature(), code(f.errorCode()), f.errorMessage()));
        }
        return out;
    }

    // ---------------------------------------------------------------- client quotas

    static AlterClientQuotasRequest alterClientQuotas(List<ClientQuotaAlteration> entries, boolean validateOnly) {
        List<AlterClientQuotasRequest.EntryData> out = new ArrayList<>(entries.size());
        for (ClientQuotaAlteration e : entries) {
            List<AlterClientQuotasRequest.EntityData> entity = new ArrayList<>();
            for (ClientQuotaAlteration.Component c : e.entity()) {
                entity.add(new AlterClientQuotasRequest.EntityData().setEntityType(c.type()).setEntityName(c.name()));
            }
            List<AlterClientQuotasRequest.OpData> ops = new ArrayList<>();
            for (ClientQuotaAlteration.Op op : e.ops()) {
                ops.add(new AlterClientQuotasRequest.OpData().setKey(op.key()).setValue(op.value())
                        .setRemove(op.remove()));
            }
            out.add(new AlterClientQuotasRequest.EntryData().setEntity(entity).setOps(ops));
        }
        return new AlterClientQuotasRequest().setEntries(out).setValidateOnly(validateOnly);
    }

    /** One result per entry, by index: the controller answers the entries in request order. */
    static List<ApiResult<Integer>> alterClientQuotasResults(AlterClientQuotasResponse r) {
        List<ApiResult<Integer>> out = new ArrayList<>(r.entries().size());
        for (AlterClientQuotasResponse.EntryData e : r.entries()) {
            out.add(new ApiResult<>(out.size(), code(e.errorCode()), e.errorMessage()));
        }
        return out;
    }

    // ---------------------------------------------------------------- leadership and reassignment

    static ElectLeadersRequest electLeaders(ElectionType type, List<TopicPartition> partitions) {
        return new ElectLeadersRequest().setElectionType(type.value()).setTimeoutMs(TIMEOUT_MS)
                .setTopicPartitions(partitions == null ? null : byTopic(partitions));
    }

    private static List<ElectLeadersRequest.TopicPartitions> byTopic(List<TopicPartition> partitions) {
        Map<String, List<Integer>> grouped = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            grouped.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        List<ElectLeadersRequest.TopicPartitions> out = new ArrayList<>(grouped.size());
        grouped.forEach((t, ps) -> out.add(new ElectLeadersRequest.TopicPartitions().setTopic(t).setPartitions(ps)));
        return out;
    }

    static List<ApiResult<TopicPartition>> electLeadersResults(ElectLeadersResponse r) {
        throwIfError(r.errorCode(), null);
        List<ApiResult<TopicPartition>> out = new ArrayList<>();
        for (ElectLeadersResponse.ReplicaElectionResult t : r.replicaElectionResults()) {
            for (ElectLeadersResponse.PartitionResult p : t.partitionResult()) {
                out.add(new ApiResult<>(new TopicPartition(t.topic(), p.partitionId()), code(p.errorCode()),
                        p.errorMessage()));
            }
        }
        return out;
    }

    static AlterPartitionReassignmentsRequest alterReassignments(List<Reassignment> reassignments,
                                                                 boolean allowRfChange) {
        Map<String, List<AlterPartitionReassignmentsRequest.ReassignablePartition>> grouped = new LinkedHashMap<>();
        for (Reassignment r : reassignments) {
            grouped.computeIfAbsent(r.partition().topic(), t -> new ArrayList<>()).add(
                    new AlterPartitionReassignmentsRequest.ReassignablePartition()
                            .setPartitionIndex(r.partition().partition()).setReplicas(r.replicas()));
        }
        List<AlterPartitionReassignmentsRequest.ReassignableTopic> topics = new ArrayList<>(grouped.size());
        grouped.forEach((t, ps) -> topics.add(new AlterPartitionReassignmentsRequest.ReassignableTopic().setName(t)
                .setPartitions(ps)));
        return new AlterPartitionReassignmentsRequest().setTimeoutMs(TIMEOUT_MS)
                .setAllowReplicationFactorChange(allowRfChange).setTopics(topics);
    }

    /** The results in the order of {@code asked}, from a response that groups them by topic. */
    static List<ApiResult<TopicPartition>> alterReassignmentsResults(List<Reassignment> asked,
                                                                     AlterPartitionReassignmentsResponse r) {
        throwIfError(r.errorCode(), r.errorMessage());
        Map<TopicPartition, List<ApiResult<TopicPartition>>> byPartition = new HashMap<>();
        for (AlterPartitionReassignmentsResponse.ReassignableTopicResponse t : r.responses()) {
            for (AlterPartitionReassignmentsResponse.ReassignablePartitionResponse p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                byPartition.computeIfAbsent(tp, k -> new ArrayList<>()).add(new ApiResult<>(tp, code(p.errorCode()),
                        p.errorMessage()));
            }
        }
        List<ApiResult<TopicPartition>> out = new ArrayList<>(asked.size());
        for (Reassignment a : asked) {
            List<ApiResult<TopicPartition>> l = byPartition.get(a.partition());
            out.add(l == null || l.isEmpty() ? new ApiResult<>(a.partition(), ErrorCode.UNKNOWN_SERVER_ERROR,
                    "The controller did not answer for " + a.partition()) : l.remove(0));
        }
        return out;
    }

    static ListPartitionReassignmentsRequest listReassignments(List<TopicPartition> partitions) {
        List<ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics> topics = null;
        if (partitions != null) {
            Map<String, List<Integer>> grouped = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                grouped.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
            }
            topics = new ArrayList<>(grouped.size());
            for (Map.Entry<String, List<Integer>> e : grouped.entrySet()) {
                topics.add(new ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics()
                        .setName(e.getKey()).setPartitionIndexes(e.getValue()));
            }
        }
        return new ListPartitionReassignmentsRequest().setTimeoutMs(TIMEOUT_MS).setTopics(topics);
    }

    static List<OngoingReassignment> listReassignmentsResults(ListPartitionReassignmentsResponse r) {
        throwIfError(r.errorCode(), r.errorMessage());
        List<OngoingReassignment> out = new ArrayList<>();
        for (ListPartitionReassignmentsResponse.OngoingTopicReassignment t : r.topics()) {
            for (ListPartitionReassignmentsResponse.OngoingPartitionReassignment p : t.partitions()) {
                out.add(new OngoingReassignment(new TopicPartition(t.name(), p.partitionIndex()), p.replicas(),
                        p.addingReplicas(), p.removingReplicas()));
            }
        }
        return out;
    }

    /** Fails the operation with a response's top-level error. */
    /** An AlterPartition request (v3: topic ids, members with broker epochs), consecutive items of a topic together. */
    static AlterPartitionRequest alterPartition(int brokerId, long brokerEpoch, List<AlterPartitionItem> items) {
        List<AlterPartitionRequest.TopicData> topics = new ArrayList<>();
        AlterPartitionRequest.TopicData current = null;
        for (AlterPartitionItem item : items) {
            if (current == null || !current.topicId().equals(item.topicId())) {
                current = new AlterPartitionRequest.TopicData().setTopicId(item.topicId())
                        .setPartitions(new ArrayList<>());
                topics.add(current);
            }
            List<AlterPartitionRequest.BrokerState> isr = new ArrayList<>();
            for (AlterPartitionItem.IsrMember m : item.newIsr()) {
                isr.add(new AlterPartitionRequest.BrokerState().setBrokerId(m.brokerId())
                        .setBrokerEpoch(m.brokerEpoch()));
            }
            current.partitions().add(new AlterPartitionRequest.PartitionData().setPartitionIndex(item.partition())
                    .setLeaderEpoch(item.leaderEpoch()).setPartitionEpoch(item.partitionEpoch())
                    .setNewIsrWithEpochs(isr)
                    .setLeaderRecoveryState(item.leaderRecoveryState()));
        }
        return new AlterPartitionRequest().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch).setTopics(topics);
    }

    /** The results of {@code asked}, in order, from the answer (grouped as the request was). */
    static List<AlterPartitionResult> alterPartitionResults(List<AlterPartitionItem> asked, AlterPartitionResponse r) {
        throwIfError(r.errorCode(), null);
        List<AlterPartitionResult> out = new ArrayList<>(asked.size());
        for (AlterPartitionResponse.TopicData t : r.topics()) {
            for (AlterPartitionResponse.PartitionData p : t.partitions()) {
                out.add(new AlterPartitionResult(t.topicId(), p.partitionIndex(), code(p.errorCode()), p.leaderId(),
                        p.leaderEpoch(), p.isr(), p.leaderRecoveryState(), p.partitionEpoch()));
            }
        }
        if (out.size() != asked.size()) {
            throw new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR, "The controller answered " + out.size()
                    + " partition(s) of " + asked.size());
        }
        return out;
    }

    static void throwIfError(short errorCode, String message) {
        ErrorCode error = code(errorCode);
        if (error != ErrorCode.NONE) {
            throw new SamsaException(error, message != null ? message : error.defaultMessage());
        }
    }

    /** The request that carries {@code alterations} (to forward them to a remote controller). */
    static AlterUserScramCredentialsRequest alterUserScramCredentials(List<ScramAlteration> alterations) {
        AlterUserScramCredentialsRequest req = new AlterUserScramCredentialsRequest();
        for (ScramAlteration a : alterations) {
            if (a.isDeletion()) {
                req.deletions().add(new AlterUserScramCredentialsRequest.ScramCredentialDeletion().setName(a.user())
                        .setMechanism(a.mechanism()));
            } else {
                req.upsertions().add(new AlterUserScramCredentialsRequest.ScramCredentialUpsertion()
                        .setName(a.user()).setMechanism(a.mechanism()).setIterations(a.iterations())
                        .setSalt(a.salt()).setSaltedPassword(a.saltedPassword()));
            }
        }
        return req;
    }
}
