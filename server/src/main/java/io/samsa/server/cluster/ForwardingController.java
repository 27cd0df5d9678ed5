package io.samsa.server.cluster;

import io.samsa.controller.AclDeletion;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.AlterPartitionItem;
import io.samsa.controller.AlterPartitionResult;
import io.samsa.controller.ApiResult;
import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.ClientQuotaAlteration;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.controller.DeleteTopicResult;
import io.samsa.controller.ElectionType;
import io.samsa.controller.FeatureUpdate;
import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.ProducerIdBlock;
import io.samsa.controller.Reassignment;
import io.samsa.controller.ScramAlteration;
import io.samsa.controller.TopicPartition;
import io.samsa.controller.TopicRef;
import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.raft.RaftClient;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The {@link Controller} a broker's handlers use in a cluster: this node's own controller while the metadata log
 * makes this node leader (no network hop), the active controller through {@link RemoteController} otherwise. An
 * operation the local controller refuses with {@code NOT_CONTROLLER} (leadership moved meanwhile) goes to the remote
 * one, which finds the new leader. Thread-safe; closes neither.
 */
public final class ForwardingController implements Controller {
    private final int nodeId;
    private final Controller local;
    private final Controller remote;
    private final RaftClient<?> raft;

    /** @param local this node's controller, or null on a broker-only node */
    public ForwardingController(int nodeId, Controller local, Controller remote, RaftClient<?> raft) {
        this.nodeId = nodeId;
        this.local = local;
        this.remote = remote;
        this.raft = raft;
    }

    private <T> CompletableFuture<T> route(Function<Controller, CompletableFuture<T>> op) {
        if (local == null || !raft.leaderAndEpoch().isLeader(nodeId)) {
            return op.apply(remote);
        }
        return op.apply(local).handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (t instanceof SamsaException se && se.errorCode() == ErrorCode.NOT_CONTROLLER) {
                return op.apply(remote);
            }
            return CompletableFuture.<T>failedFuture(t);
        }).thenCompose(f -> f);
    }

    @Override
    public CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest request) {
        return route(c -> c.registerBroker(request));
    }

    @Override
    public CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest request) {
        return route(c -> c.brokerHeartbeat(request));
    }

    @Override
    public CompletableFuture<Committed<Void>> unregisterBroker(int brokerId) {
        return route(c -> c.unregisterBroker(brokerId));
    }

    @Override
    public CompletableFuture<Committed<List<CreateTopicResult>>> createTopics(List<CreateTopicRequest> topics,
                                                                              boolean validateOnly) {
        return route(c -> c.createTopics(topics, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<DeleteTopicResult>>> deleteTopics(List<TopicRef> topics) {
        return route(c -> c.deleteTopics(topics));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> createPartitions(
            List<CreatePartitionsRequest> topics, boolean validateOnly) {
        return route(c -> c.createPartitions(topics, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> alterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        return route(c -> c.alterConfigs(resources, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> incrementalAlterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        return route(c -> c.incrementalAlterConfigs(resources, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch) {
        return route(c -> c.allocateProducerIds(brokerId, brokerEpoch));
    }

    @Override
    public CompletableFuture<Committed<List<AlterPartitionResult>>> alterPartition(int brokerId, long brokerEpoch,
                                                                                  List<AlterPartitionItem> items) {
        return route(c -> c.alterPartition(brokerId, brokerEpoch, items));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> updateFeatures(List<FeatureUpdate> updates,
                                                                        boolean validateOnly) {
        return route(c -> c.updateFeatures(updates, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> alterUserScramCredentials(
            List<ScramAlteration> alterations) {
        return route(c -> c.alterUserScramCredentials(alterations));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<Integer>>>> alterClientQuotas(
            List<ClientQuotaAlteration> entries, boolean validateOnly) {
        return route(c -> c.alterClientQuotas(entries, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> electLeaders(
            ElectionType type, List<TopicPartition> partitions) {
        return route(c -> c.electLeaders(type, partitions));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> alterPartitionReassignments(
            List<Reassignment> reassignments, boolean allowReplicationFactorChange) {
        return route(c -> c.alterPartitionReassignments(reassignments, allowReplicationFactorChange));
    }

    @Override
    public CompletableFuture<Committed<List<OngoingReassignment>>> listPartitionReassignments(
            List<TopicPartition> partitions) {
        return route(c -> c.listPartitionReassignments(partitions));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<AclBinding>>>> createAcls(List<AclBinding> acls) {
        return route(c -> c.createAcls(acls));
    }

    @Override
    public CompletableFuture<Committed<List<AclDeletion>>> deleteAcls(List<AclFilter> filters) {
        return route(c -> c.deleteAcls(filters));
    }

    /** Closes nothing: the local and remote controllers belong to the node. */
    @Override
    public void close() {
    }
}
