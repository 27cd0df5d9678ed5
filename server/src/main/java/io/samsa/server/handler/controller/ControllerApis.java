package io.samsa.server.handler.controller;

import io.samsa.controller.Controller;
import io.samsa.raft.RaftClient;
import io.samsa.server.cluster.BrokerConnections;
import io.samsa.server.cluster.NetworkRaftChannel;
import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.ApiVersionsHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.handler.admin.AdminApis;
import io.samsa.server.security.token.DelegationTokenApis;
import io.samsa.wire.message.ApiMessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The API table of a controller's own listeners (Kafka's ControllerApis): ApiVersions with this table; Raft's
 * requests between replicas (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch, FetchSnapshot) for the local replica;
 * DescribeQuorum; the brokers' BrokerRegistration, BrokerHeartbeat, AllocateProducerIds and AlterPartition; Envelope (admin
 * requests forwarded by brokers); the admin requests that change metadata, answered directly (an admin client with
 * {@code bootstrap.controllers}, KIP-919); DescribeCluster with controller endpoints; the voter changes of a dynamic
 * quorum (KIP-853): AddRaftVoter and RemoveRaftVoter from admin clients, UpdateRaftVoter from other voters. Built
 * once at start-up.
 */
public final class ControllerApis {
    private ControllerApis() {
    }

    /**
     * What the controller listener serves from.
     *
     * @param controllers  the controllers (voters), each with the endpoint of its controller listener
     * @param listenerName the name of the controller listener that endpoint is on
     * @param describeQuorum the DescribeQuorum handler (shared with the broker listener of a combined node); null
     *                       for a new one
     * @param brokerConnections told which connection each broker heartbeats on (the listener's server tells it
     *                       which close); null for none
     */
    public record Context(int nodeId, Controller controller, RaftClient<?> raft, NetworkRaftChannel raftChannel,
                          Supplier<Map<Integer, QuorumVoter>> controllers, String listenerName,
                          Supplier<String> clusterId, DescribeQuorumHandler describeQuorum,
                          BrokerConnections brokerConnections) {
        public Context(int nodeId, Controller controller, RaftClient<?> raft, NetworkRaftChannel raftChannel,
                       Supplier<Map<Integer, QuorumVoter>> controllers, String listenerName,
                       Supplier<String> clusterId) {
            this(nodeId, controller, raft, raftChannel, controllers, listenerName, clusterId, null, null);
        }
    }

    public static SupportedApis build(Context c) {
        ApiVersionsHandler apiVersions = new ApiVersionsHandler();
        SupportedApis.Builder b = SupportedApis.builder().add((short) 18, 0, 4, apiVersions);
        ControllerChanges direct = new ControllerChanges(c.controller());
        for (AdminApis.ChangeApi api : AdminApis.CHANGES) {
            b.add(api.apiKey(), api.minVersion(), api.maxVersion(), api.handler().apply(direct));
        }
        // Among them UpdateFeatures: kafka-features.sh --bootstrap-controller (KIP-919) sends it straight here.
        List<AdminApis.ChangeApi> forwardable = new ArrayList<>(AdminApis.CHANGES);
        forwardable.addAll(DelegationTokenApis.FORWARDED);
        b.add((short) 58, 0, 0, new EnvelopeHandler(c.controller(), forwardable));
        all(b, 62, new BrokerRegistrationHandler(c.controller()));
        all(b, 63, new BrokerHeartbeatHandler(c.controller(), c.brokerConnections()));
        all(b, 67, new AllocateProducerIdsHandler(c.controller()));
        all(b, 56, new AlterPartitionHandler(c.controller()));
        RaftRequestHandler raft = new RaftRequestHandler(c.raftChannel() != null ? c.raftChannel()
                : new NetworkRaftChannel(null));
        for (int key : new int[] {52, 53, 54, 1, 59, 82}) {
            all(b, key, raft);
        }
        RaftVoterHandler voters = new RaftVoterHandler(c.nodeId(), c.raft(), true, null);
        all(b, 80, voters);
        all(b, 81, voters);
        all(b, 55, c.describeQuorum() != null ? c.describeQuorum()
                : new DescribeQuorumHandler(c.raft(), c.controllers(), c.listenerName()));
        all(b, 60, new ControllerDescribeClusterHandler(() -> c.raft().leaderAndEpoch().leaderId(),
                c.controllers(), c.clusterId()));
        SupportedApis apis = b.build();
        apiVersions.setApis(apis);
        return apis;
    }

    /** Every version of {@code key} that the protocol defines. */
    private static void all(SupportedApis.Builder b, int key, ApiHandler handler) {
        ApiMessageType type = ApiMessageType.fromId(key);
        b.add((short) key, type.lowestVersion(), type.highestVersion(), handler);
    }
}
