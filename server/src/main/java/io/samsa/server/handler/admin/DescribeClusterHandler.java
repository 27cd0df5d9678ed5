package io.samsa.server.handler.admin;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * DescribeCluster (key 60, v0-2, KIP-700): cluster id, controller id and the brokers reachable on the request's
 * listener. v1+ (KIP-919) asks for an endpoint type: a broker serves BROKER (1); CONTROLLER (2) is
 * {@code MISMATCHED_ENDPOINT_TYPE} (ask a controller listener) and any other type {@code UNSUPPORTED_ENDPOINT_TYPE},
 * as Kafka's brokers answer. The brokers are the live (unfenced) ones; v2 (KIP-1073) may ask for the fenced ones too,
 * flagged. The controller id is {@link BrokerMetadata#controllerId}, a live broker, and -1 when that broker is not
 * among those listed (no endpoint on this listener), as Kafka answers rather than name a node the client cannot
 * find. Runs on the connection's event loop and answers at once.
 */
public final class DescribeClusterHandler implements ApiHandler {
    private static final byte BROKER_ENDPOINTS = 1;
    private static final byte CONTROLLER_ENDPOINTS = 2;

    private final BrokerMetadata metadata;

    public DescribeClusterHandler(BrokerMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeClusterRequest req = (DescribeClusterRequest) request;
        MetadataImage image = metadata.image();
        DescribeClusterResponse resp = new DescribeClusterResponse().setClusterId(image.clusterId())
                .setEndpointType(BROKER_ENDPOINTS);
        if (ctx.apiVersion() >= 1 && req.endpointType() != BROKER_ENDPOINTS) {
            ErrorCode code = req.endpointType() == CONTROLLER_ENDPOINTS ? ErrorCode.MISMATCHED_ENDPOINT_TYPE
                    : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
            sink.send(resp.setErrorCode(code.code()).setErrorMessage("Endpoint type " + req.endpointType()
                    + " is not served by a broker; use 1 (brokers)").setEndpointType(req.endpointType())
                    .setControllerId(-1));
            return;
        }
        List<DescribeClusterResponse.DescribeClusterBroker> brokers = new ArrayList<>(image.brokers().size());
        boolean withFenced = ctx.apiVersion() >= 2 && req.includeFencedBrokers();
        for (BrokerRegistration b : image.brokers().values()) {
            Endpoint e = b.listener(ctx.listenerName());
            if (e != null && (withFenced || !b.fenced())) {
                brokers.add(new DescribeClusterResponse.DescribeClusterBroker().setBrokerId(b.nodeId())
                        .setHost(e.host()).setPort(e.port()).setRack(b.rack()).setIsFenced(b.fenced()));
            }
        }
        int controllerId = metadata.controllerId(image);
        boolean listed = false;
        for (DescribeClusterResponse.DescribeClusterBroker b : brokers) {
            listed |= b.brokerId() == controllerId;
        }
        resp.setBrokers(brokers).setControllerId(listed ? controllerId : -1);
        if (req.includeClusterAuthorizedOperations()) {
            resp.setClusterAuthorizedOperations(AuthorizedOperations.CLUSTER);
        }
        sink.send(resp);
    }
}
