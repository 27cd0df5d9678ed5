package io.samsa.server.handler.controller;

import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * DescribeCluster (key 60, v0-2) on the controller listener (KIP-919: an admin client with
 * {@code bootstrap.controllers}): endpoint type CONTROLLER (2) answers the controllers (the voters, each on its
 * controller listener) and the active controller's id, the Raft leader (-1 while none is known, or when it is not
 * among the controllers listed), which need not be a broker: this is where a client finds the controller itself. A
 * controller does not describe brokers: BROKER (1) is {@code MISMATCHED_ENDPOINT_TYPE} (v0, which always means
 * brokers, {@code INVALID_REQUEST}) and any other type {@code UNSUPPORTED_ENDPOINT_TYPE}, as Kafka's controllers
 * answer. Runs on the connection's event loop.
 */
public final class ControllerDescribeClusterHandler implements ApiHandler {
    private static final byte BROKERS = 1;
    private static final byte CONTROLLERS = 2;

    private final IntSupplier leader;
    private final Supplier<Map<Integer, QuorumVoter>> voters;
    private final Supplier<String> clusterId;

    /**
     * @param leader the Raft leader's id as this node knows it now (-1 for none)
     * @param voters the controllers with the endpoint of their controller listener
     */
    public ControllerDescribeClusterHandler(IntSupplier leader, Supplier<Map<Integer, QuorumVoter>> voters,
                                            Supplier<String> clusterId) {
        this.leader = leader;
        this.voters = voters;
        this.clusterId = clusterId;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeClusterRequest req = (DescribeClusterRequest) request;
        byte type = ctx.apiVersion() >= 1 ? req.endpointType() : BROKERS;
        DescribeClusterResponse resp = new DescribeClusterResponse().setClusterId(clusterId.get())
                .setEndpointType(type);
        if (type != CONTROLLERS) {
            ErrorCode code = ctx.apiVersion() == 0 ? ErrorCode.INVALID_REQUEST
                    : type == BROKERS ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
            sink.send(resp.setErrorCode(code.code()).setControllerId(-1)
                    .setErrorMessage("A controller describes controllers only: use endpoint type 2"));
            return;
        }
        int leaderId = leader.getAsInt();
        boolean listed = false;
        List<DescribeClusterResponse.DescribeClusterBroker> controllers = new ArrayList<>();
        for (QuorumVoter v : voters.get().values()) {
            controllers.add(new DescribeClusterResponse.DescribeClusterBroker().setBrokerId(v.id()).setHost(v.host())
                    .setPort(v.port()).setRack(null).setIsFenced(false));
            listed |= v.id() == leaderId;
        }
        sink.send(resp.setErrorCode(ErrorCode.NONE.code()).setControllerId(listed ? leaderId : -1)
                .setBrokers(controllers));
    }
}
