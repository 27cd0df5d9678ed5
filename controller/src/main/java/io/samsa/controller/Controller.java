package io.samsa.controller;

import io.samsa.common.SerialExecutor;
import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.raft.RaftClient;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The metadata controller as request handlers see it: every change to the cluster's metadata goes through it,
 * and each answer carries the log offset it committed at ({@link Committed}), so that the broker can answer the
 * client once its own image has reached that offset. Handlers read metadata from the broker's image, never from
 * the controller. Today the controller runs in the broker's process ({@link #start}); a broker-only node will
 * implement this interface by forwarding to the active controller.
 *
 * <p>Thread-safe. Each future completes on the controller's executor after the operation's records are
 * committed (at once for a validation or a refused operation); per-item results carry Kafka's error codes, and
 * the future fails only when the controller cannot take the operation ({@code NOT_CONTROLLER} when it is not
 * the active controller, lost the leadership or is shut down; {@code KAFKA_STORAGE_ERROR} only when it could not
 * apply its own records).
 */
public interface Controller extends AutoCloseable {

    /**
     * BrokerRegistration (KIP-631): registers (or re-registers) a broker, fenced; its broker epoch is the offset of
     * the registration. {@code DUPLICATE_BROKER_REGISTRATION} while another process with that id heartbeats,
     * {@code INCONSISTENT_CLUSTER_ID} for another cluster's broker, {@code UNSUPPORTED_VERSION} when it does not
     * support a finalized feature level.
     */
    CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest request);

    /**
     * BrokerHeartbeat (KIP-631): keeps the broker's session, unfences it once it has caught up and does not ask to
     * stay fenced, and runs its controlled shutdown when it asks to shut down. {@code STALE_BROKER_EPOCH} when it
     * is not registered with that epoch.
     */
    CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest request);

    /**
     * The connection on which broker {@code brokerId} (registered in {@code brokerEpoch}) heartbeated to this
     * controller closed: unless it is already fenced or shutting down under control, it is fenced now (Samsa's
     * fast failure detection; Kafka waits for {@code broker.session.timeout.ms}). Completes with whether it was.
     * Nothing on a controller that is not active.
     */
    default CompletableFuture<Boolean> brokerConnectionLost(int brokerId, long brokerEpoch) {
        return CompletableFuture.completedFuture(false);
    }

    /** UnregisterBroker (KIP-631): removes a broker; {@code BROKER_ID_NOT_REGISTERED} when it is not registered. */
    CompletableFuture<Committed<Void>> unregisterBroker(int brokerId);

    /**
     * ElectLeaders (KIP-460): one result per partition (null: every partition, answering only those that needed an
     * election); {@code ELECTION_NOT_NEEDED}, {@code PREFERRED_LEADER_NOT_AVAILABLE},
     * {@code ELIGIBLE_LEADERS_NOT_AVAILABLE}, {@code UNKNOWN_TOPIC_OR_PARTITION} per partition.
     */
    CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> electLeaders(ElectionType type,
                                                                              List<TopicPartition> partitions);

    /**
     * AlterPartitionReassignments (KIP-455): one result per partition, in request order. Without
     * {@code allowReplicationFactorChange} (v1+, KIP-860) a target of another size than the partition's replicas is
     * {@code INVALID_REPLICATION_FACTOR}.
     */
    CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> alterPartitionReassignments(
        List<Reassignment> reassignments, boolean allowReplicationFactorChange);

    /**
     * ListPartitionReassignments (KIP-455): the reassignments in progress among {@code partitions} (null: all);
     * fails with {@code UNKNOWN_TOPIC_OR_PARTITION} for an unknown topic.
     */
    CompletableFuture<Committed<List<OngoingReassignment>>> listPartitionReassignments(
        List<TopicPartition> partitions);

    /** CreateTopics: one result per requested topic, in request order. */
    CompletableFuture<Committed<List<CreateTopicResult>>> createTopics(List<CreateTopicRequest> topics,
                                                                       boolean validateOnly);

    /** DeleteTopics by name or id: one result per requested topic, in request order. */
    CompletableFuture<Committed<List<DeleteTopicResult>>> deleteTopics(List<TopicRef> topics);

    /** CreatePartitions: one result per requested topic (keyed by name), in request order. */
    CompletableFuture<Committed<List<ApiResult<String>>>> createPartitions(List<CreatePartitionsRequest> topics,
                                                                           boolean validateOnly);

    /** Legacy AlterConfigs: each resource's configs are replaced by the given SET entries. */
    CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> alterConfigs(List<AlterConfigsRequest> resources,
                                                                               boolean validateOnly);

    /** IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND, SUBTRACT per key. */
    CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> incrementalAlterConfigs(
        List<AlterConfigsRequest> resources, boolean validateOnly);

    /**
     * AllocateProducerIds (KIP-730): the next block of {@link ProducerIdBlock#SIZE} producer ids for broker
     * {@code brokerId}, which must be registered with {@code brokerEpoch} ({@code STALE_BROKER_EPOCH} otherwise).
     * Blocks follow one another in the log, so an id is never handed out twice, across restarts too.
     */
    CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch);

    /**
     * AlterPartition (KIP-497, KIP-903): the ISRs that partition leaders propose, from broker {@code brokerId}
     * registered with {@code brokerEpoch}; one result per item, in request order, each with Kafka's per-partition
     * code or the partition's state as committed (a new partition epoch). Fails with {@code STALE_BROKER_EPOCH} when
     * the broker is not registered with that epoch.
     */
    default CompletableFuture<Committed<List<AlterPartitionResult>>> alterPartition(int brokerId, long brokerEpoch,
                                                                                   List<AlterPartitionItem> items) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not alter partitions"));
    }

    /**
     * The cluster id of the metadata log as this controller knows it: null before the log is formatted, or when
     * it is not known here (a remote controller).
     */
    default String clusterId() {
        return null;
    }

    /**
     * UpdateFeatures (KIP-584): finalizes each feature at its level ({@code FeatureLevelRecord}s), all of them or,
     * when one is refused (INVALID_UPDATE_VERSION), none. One result per update, in request order.
     */
    default CompletableFuture<Committed<List<ApiResult<String>>>> updateFeatures(List<FeatureUpdate> updates,
                                                                                 boolean validateOnly) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not update features"));
    }

    /**
     * AlterUserScramCredentials (KIP-554): sets or deletes users' SCRAM credentials ({@link ScramControl}'s rules);
     * one result per user, in first-appearance order.
     */
    default CompletableFuture<Committed<List<ApiResult<String>>>> alterUserScramCredentials(
        List<ScramAlteration> alterations) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not alter SCRAM credentials"));
    }

    /**
     * CreateAcls: one result per ACL, in request order; {@code INVALID_REQUEST} for an ACL Kafka refuses to store.
     * An ACL that exists already succeeds and is not stored twice.
     */
    default CompletableFuture<Committed<List<ApiResult<AclBinding>>>> createAcls(List<AclBinding> acls) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not create ACLs"));
    }

    /** DeleteAcls: one result per filter, in request order, with the ACLs it deleted. */
    default CompletableFuture<Committed<List<AclDeletion>>> deleteAcls(List<AclFilter> filters) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not delete ACLs"));
    }

    /** The ACLs of this controller's committed image: what a controller's own listener authorizes with. */
    default Map<UUID, AclBinding> acls() {
        return Map.of();
    }

    /**
     * AlterClientQuotas (KIP-546): sets and removes client quotas ({@code ClientQuotaRecord}s); one result per
     * entry, keyed by its index in {@code entries}, {@code INVALID_REQUEST} for an entry that is refused.
     */
    default CompletableFuture<Committed<List<ApiResult<Integer>>>> alterClientQuotas(
            List<ClientQuotaAlteration> entries, boolean validateOnly) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNSUPPORTED_VERSION,
                "This controller does not alter client quotas"));
    }

    /** Stops taking operations; pending and later ones fail with {@code NOT_CONTROLLER}. */
    @Override
    void close();

    /**
     * Starts the controller of the metadata log {@code raft} on {@code executor}. The future completes once it
     * leads and the log is formatted (cluster id and bootstrap features committed on first start); it fails
     * with {@code INCONSISTENT_CLUSTER_ID} when the log belongs to another cluster than the configured one.
     */
    static CompletableFuture<Controller> start(ControllerConfig config, RaftClient<Message> raft,
                                               SerialExecutor executor) {
        return QuorumController.start(config, raft, executor).thenApply(c -> c);
    }

    /**
     * Opens the controller of the metadata log {@code raft} on {@code executor} and returns it at once: a voter of a
     * quorum, it becomes the active controller whenever the log makes this node leader (formatting an empty log
     * then), and its operations fail with {@code NOT_CONTROLLER} while another node leads.
     */
    static Controller open(ControllerConfig config, RaftClient<Message> raft, SerialExecutor executor) {
        return QuorumController.open(config, raft, executor);
    }
}
