package io.samsa.server.cluster;

import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
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
import io.samsa.metadata.Endpoint;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.AllocateProducerIdsRequest;
import io.samsa.wire.message.AllocateProducerIdsResponse;
import io.samsa.wire.message.AlterClientQuotasResponse;
import io.samsa.wire.message.AlterConfigsResponse;
import io.samsa.wire.message.AlterPartitionRequest;
import io.samsa.wire.message.AlterPartitionResponse;
import io.samsa.wire.message.AlterPartitionReassignmentsResponse;
import io.samsa.wire.message.AlterUserScramCredentialsResponse;
import io.samsa.wire.message.BrokerHeartbeatResponse;
import io.samsa.wire.message.BrokerRegistrationResponse;
import io.samsa.wire.message.CreatePartitionsResponse;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.message.ElectLeadersResponse;
import io.samsa.wire.message.EnvelopeRequest;
import io.samsa.wire.message.EnvelopeResponse;
import io.samsa.wire.message.IncrementalAlterConfigsResponse;
import io.samsa.wire.message.ListPartitionReassignmentsResponse;
import io.samsa.wire.message.UnregisterBrokerRequest;
import io.samsa.wire.message.UnregisterBrokerResponse;
import io.samsa.wire.message.UpdateFeaturesResponse;
import io.samsa.wire.message.CreateAclsResponse;
import io.samsa.wire.message.DeleteAclsResponse;
import io.samsa.server.security.acl.AclCodec;
import io.samsa.wire.protocol.Message;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Controller} of a node that is not the active controller: each operation is a request to the active
 * controller over the controller network (a {@link BrokerChannel} to the controller listeners), as Kafka's broker
 * sends them: BrokerRegistration, BrokerHeartbeat, AllocateProducerIds and AlterPartition directly, the admin
 * operations forwarded in an Envelope (KIP-590). The answer's commit offset comes back in {@link CommitOffsets}' tagged field.
 *
 * <p>Which node is active comes from a {@link ControllerLocator} (the Raft leader this node knows). A request that
 * cannot reach it, or that it answers with {@code NOT_CONTROLLER} (leadership moved), is sent again after
 * {@code retryBackoffMs}, to the node the locator then names, until {@code requestTimeoutMs} has passed; then the
 * operation fails with {@code REQUEST_TIMED_OUT}. Kafka's clients retry that code.
 *
 * <p>Threads: operations may be called from any thread; retries run on the given {@link SerialExecutor}; futures
 * complete there.
 */
public final class RemoteController implements Controller {
    private static final Logger log = LoggerFactory.getLogger(RemoteController.class);
    /** Codes after which the request goes again, perhaps to another node. */
    private static final Set<ErrorCode> RETRIABLE = Set.of(ErrorCode.NOT_CONTROLLER, ErrorCode.NETWORK_EXCEPTION,
            ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT);

    /** How long an operation keeps trying, and how long it waits between attempts. */
    public record Settings(String clientId, long requestTimeoutMs, long retryBackoffMs) {
    }

    /** Names the node to send the next request to. Thread-safe. */
    public interface ControllerLocator {
        /** The node id to try now, or -1 when no controller is known. */
        int target();

        /** {@code node} did not answer as the active controller: look elsewhere next time. */
        void failed(int node);
    }

    /** A response and the commit offset it carried (-1 when none). */
    private record Reply(Message body, long offset) {
    }

    private final String prefix;
    private final BrokerChannel channel;
    private final ControllerLocator locator;
    private final SerialExecutor executor;
    private final Clock clock;
    private final Settings settings;
    private final byte[] clientAddress;
    private final AtomicInteger correlation = new AtomicInteger();
    private volatile boolean closed;

    public RemoteController(int nodeId, BrokerChannel channel, ControllerLocator locator, SerialExecutor executor,
                            Clock clock, Settings settings) {
        this.prefix = "[remote-controller node=" + nodeId + "] ";
        this.channel = channel;
        this.locator = locator;
        this.executor = executor;
        this.clock = clock;
        this.settings = settings;
        this.clientAddress = InetAddress.getLoopbackAddress().getAddress();
    }

    // ---------------------------------------------------------------- brokers

    @Override
    public CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest r) {
        List<io.samsa.wire.message.BrokerRegistrationRequest.Listener> listeners = new ArrayList<>();
        for (Endpoint e : r.listeners()) {
            listeners.add(new io.samsa.wire.message.BrokerRegistrationRequest.Listener().setName(e.name())
                    .setHost(e.host()).setPort(e.port()).setSecurityProtocol(Endpoint.protocolId(e.securityProtocol())));
        }
        List<io.samsa.wire.message.BrokerRegistrationRequest.Feature> features = new ArrayList<>();
        r.features().forEach((name, range) -> features.add(new io.samsa.wire.message.BrokerRegistrationRequest.Feature()
                .setName(name).setMinSupportedVersion(range.min()).setMaxSupportedVersion(range.max())));
        io.samsa.wire.message.BrokerRegistrationRequest request = new io.samsa.wire.message.BrokerRegistrationRequest()
                .setBrokerId(r.brokerId()).setClusterId(r.clusterId() == null ? "" : r.clusterId()).setIncarnationId(r.incarnationId())
                .setListeners(listeners).setFeatures(features).setRack(r.rack())
                .setPreviousBrokerEpoch(r.previousBrokerEpoch());
        return call(request, false, reply -> {
            BrokerRegistrationResponse resp = (BrokerRegistrationResponse) reply;
            ControllerCodec.throwIfError(resp.errorCode(), null);
            return new BrokerRegistration(r.brokerId(), resp.brokerEpoch(), r.incarnationId(), r.rack(),
                    r.listeners(), r.features(), true, false);
        });
    }

    @Override
    public CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest r) {
        io.samsa.wire.message.BrokerHeartbeatRequest request = new io.samsa.wire.message.BrokerHeartbeatRequest()
                .setBrokerId(r.brokerId()).setBrokerEpoch(r.brokerEpoch())
                .setCurrentMetadataOffset(r.currentMetadataOffset()).setWantFence(r.wantFence())
                .setWantShutDown(r.wantShutDown());
        return call(request, false, reply -> {
            BrokerHeartbeatResponse resp = (BrokerHeartbeatResponse) reply;
            ControllerCodec.throwIfError(resp.errorCode(), null);
            return new BrokerHeartbeatReply(resp.isCaughtUp(), resp.isFenced(), resp.shouldShutDown());
        });
    }

    @Override
    public CompletableFuture<Committed<Void>> unregisterBroker(int brokerId) {
        return call(new UnregisterBrokerRequest().setBrokerId(brokerId), true, reply -> {
            UnregisterBrokerResponse resp = (UnregisterBrokerResponse) reply;
            ControllerCodec.throwIfError(resp.errorCode(), resp.errorMessage());
            return null;
        });
    }

    @Override
    public CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch) {
        return call(new AllocateProducerIdsRequest().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch), false,
                reply -> {
                    AllocateProducerIdsResponse resp = (AllocateProducerIdsResponse) reply;
                    ControllerCodec.throwIfError(resp.errorCode(), null);
                    return new ProducerIdBlock(brokerId, resp.producerIdStart(), resp.producerIdLen());
                });
    }

    @Override
    public CompletableFuture<Committed<List<AlterPartitionResult>>> alterPartition(int brokerId, long brokerEpoch,
                                                                                  List<AlterPartitionItem> items) {
        List<AlterPartitionItem> asked = List.copyOf(items);
        return call(ControllerCodec.alterPartition(brokerId, brokerEpoch, asked), false,
                reply -> ControllerCodec.alterPartitionResults(asked, (AlterPartitionResponse) reply));
    }

    // ---------------------------------------------------------------- admin (forwarded in an Envelope)

    @Override
    public CompletableFuture<Committed<List<CreateTopicResult>>> createTopics(List<CreateTopicRequest> topics,
                                                                              boolean validateOnly) {
        return call(ControllerCodec.createTopics(topics, validateOnly), true,
                reply -> ControllerCodec.createTopicResults((CreateTopicsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<DeleteTopicResult>>> deleteTopics(List<TopicRef> topics) {
        return call(ControllerCodec.deleteTopics(topics), true,
                reply -> ControllerCodec.deleteTopicResults((DeleteTopicsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> createPartitions(
            List<CreatePartitionsRequest> topics, boolean validateOnly) {
        return call(ControllerCodec.createPartitions(topics, validateOnly), true,
                reply -> ControllerCodec.createPartitionsResults((CreatePartitionsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> alterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        return call(ControllerCodec.alterConfigs(resources, validateOnly), true,
                reply -> ControllerCodec.alterConfigsResults((AlterConfigsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> incrementalAlterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        return call(ControllerCodec.incrementalAlterConfigs(resources, validateOnly), true,
                reply -> ControllerCodec.incrementalAlterConfigsResults((IncrementalAlterConfigsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> updateFeatures(List<FeatureUpdate> updates,
                                                                        boolean validateOnly) {
        List<FeatureUpdate> copy = List.copyOf(updates);
        return call(ControllerCodec.updateFeatures(copy, validateOnly), true,
                reply -> ControllerCodec.updateFeaturesResults((UpdateFeaturesResponse) reply, copy));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> alterUserScramCredentials(
            List<ScramAlteration> alterations) {
        return call(ControllerCodec.alterUserScramCredentials(alterations), true, reply -> {
            List<ApiResult<String>> out = new ArrayList<>();
            for (var r : ((AlterUserScramCredentialsResponse) reply).results()) {
                out.add(new ApiResult<>(r.user(), ErrorCode.forCode(r.errorCode()), r.errorMessage()));
            }
            return out;
        });
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<Integer>>>> alterClientQuotas(
            List<ClientQuotaAlteration> entries, boolean validateOnly) {
        return call(ControllerCodec.alterClientQuotas(entries, validateOnly), true,
                reply -> ControllerCodec.alterClientQuotasResults((AlterClientQuotasResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> electLeaders(
            ElectionType type, List<TopicPartition> partitions) {
        return call(ControllerCodec.electLeaders(type, partitions), true,
                reply -> ControllerCodec.electLeadersResults((ElectLeadersResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> alterPartitionReassignments(
            List<Reassignment> reassignments, boolean allowReplicationFactorChange) {
        List<Reassignment> asked = List.copyOf(reassignments);
        return call(ControllerCodec.alterReassignments(asked, allowReplicationFactorChange), true,
                reply -> ControllerCodec.alterReassignmentsResults(asked,
                        (AlterPartitionReassignmentsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<OngoingReassignment>>> listPartitionReassignments(
            List<TopicPartition> partitions) {
        return call(ControllerCodec.listReassignments(partitions), true,
                reply -> ControllerCodec.listReassignmentsResults((ListPartitionReassignmentsResponse) reply));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<AclBinding>>>> createAcls(List<AclBinding> acls) {
        List<AclBinding> copy = List.copyOf(acls);
        return call(AclCodec.createRequest(copy), true,
                reply -> AclCodec.createResults((CreateAclsResponse) reply, copy));
    }

    @Override
    public CompletableFuture<Committed<List<AclDeletion>>> deleteAcls(List<AclFilter> filters) {
        return call(AclCodec.deleteRequest(filters), true, reply -> AclCodec.deleteResults((DeleteAclsResponse) reply));
    }

    // ---------------------------------------------------------------- sending, with retries

    private <T> CompletableFuture<Committed<T>> call(Message request, boolean envelope, Function<Message, T> read) {
        CompletableFuture<Committed<T>> out = new CompletableFuture<>();
        long deadline = clock.nanoseconds() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeoutMs());
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        executor.execute(() -> attempt(request, envelope, deadline, reply, null));
        reply.whenComplete((r, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
                return;
            }
            try {
                out.complete(new Committed<>(read.apply(r.body()), r.offset()));
            } catch (RuntimeException failure) {
                out.completeExceptionally(failure);
            }
        });
        return out;
    }

    private void attempt(Message request, boolean envelope, long deadline, CompletableFuture<Reply> out,
                         SamsaException last) {
        if (closed) {
            out.completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "The node is shutting down"));
            return;
        }
        if (clock.nanoseconds() - deadline > 0) {
            out.completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "No active controller answered"
                    + " within " + settings.requestTimeoutMs() + " ms" + (last == null ? "" : " (last: "
                    + last.errorCode() + ", " + last.getMessage() + ")")));
            return;
        }
        int target = locator.target();
        // -1: none known. Bootstrap servers have ids of their own below -1 (ControllerEndpoints.BOOTSTRAP_BASE).
        if (target == -1) {
            retryLater(request, envelope, deadline, out, new SamsaException(ErrorCode.NOT_CONTROLLER,
                    "No active controller is known"));
            return;
        }
        short version = ControllerCodec.version(request);
        Message wire = envelope ? new EnvelopeRequest().setRequestData(Envelopes.request(request, version,
                correlation.incrementAndGet(), settings.clientId())).setRequestPrincipal(Envelopes.ANONYMOUS)
                .setClientHostAddress(clientAddress) : request;
        short wireVersion = envelope ? wire.highestSupportedVersion() : version;
        channel.send(target, wire, wireVersion).whenComplete((resp, err) -> executor.execute(() ->
                answered(request, envelope, deadline, out, target, version, resp, err)));
    }

    private void answered(Message request, boolean envelope, long deadline, CompletableFuture<Reply> out, int target,
                          short version, BrokerResponse resp, Throwable err) {
        if (err != null) {
            SamsaException se = unwrap(err);
            if (se != null && RETRIABLE.contains(se.errorCode())) {
                locator.failed(target);
                retryLater(request, envelope, deadline, out, se);
            } else {
                out.completeExceptionally(err);
            }
            return;
        }
        try (resp) {
            Message body = resp.body();
            long offset = CommitOffsets.get(body);
            if (envelope) {
                EnvelopeResponse e = (EnvelopeResponse) body;
                ErrorCode code = ControllerCodec.code(e.errorCode());
                if (code != ErrorCode.NONE) {
                    SamsaException se = new SamsaException(code, "The envelope to node " + target + " failed: "
                            + code);
                    if (RETRIABLE.contains(code)) {
                        locator.failed(target);
                        retryLater(request, envelope, deadline, out, se);
                    } else {
                        out.completeExceptionally(se);
                    }
                    return;
                }
                body = Envelopes.readResponse(e.responseData(), request.apiKey(), version);
            }
            ErrorCode top = topLevelError(body);
            if (top == ErrorCode.NOT_CONTROLLER) {
                locator.failed(target);
                retryLater(request, envelope, deadline, out, new SamsaException(top, "Node " + target
                        + " is not the active controller"));
                return;
            }
            out.complete(new Reply(body, offset));
        } catch (RuntimeException e) {
            log.warn("{}Could not read the answer of node {} to {}", prefix, target, request.getClass()
                    .getSimpleName(), e);
            out.completeExceptionally(e);
        }
    }

    private void retryLater(Message request, boolean envelope, long deadline, CompletableFuture<Reply> out,
                            SamsaException why) {
        log.debug("{}Retrying {} in {} ms: {}", prefix, request.getClass().getSimpleName(), settings.retryBackoffMs(),
                why.getMessage());
        executor.schedule(() -> attempt(request, envelope, deadline, out, why), settings.retryBackoffMs());
    }

    /** The error of responses that have one for the whole request. */
    private static ErrorCode topLevelError(Message body) {
        short code;
        if (body instanceof BrokerRegistrationResponse r) {
            code = r.errorCode();
        } else if (body instanceof BrokerHeartbeatResponse r) {
            code = r.errorCode();
        } else if (body instanceof AlterPartitionResponse r) {
            code = r.errorCode();
        } else if (body instanceof AllocateProducerIdsResponse r) {
            code = r.errorCode();
        } else if (body instanceof UnregisterBrokerResponse r) {
            code = r.errorCode();
        } else if (body instanceof ElectLeadersResponse r) {
            code = r.errorCode();
        } else if (body instanceof AlterPartitionReassignmentsResponse r) {
            code = r.errorCode();
        } else if (body instanceof ListPartitionReassignmentsResponse r) {
            code = r.errorCode();
        } else {
            return ErrorCode.NONE;
        }
        return ControllerCodec.code(code);
    }

    private static SamsaException unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof SamsaException se ? se : null;
    }

    /** Fails the operations that are still trying. Does not close the channel (its owner does). */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "RemoteController(" + prefix.trim() + ")";
    }
}
