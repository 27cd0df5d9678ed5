package io.samsa.server.handler.controller;

import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.Controller;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.server.cluster.CommitOffsets;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.BrokerRegistrationResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BrokerRegistration (key 62, v0-4, KIP-631), on the controller listener: registers the broker with the active
 * controller and answers its broker epoch once committed, with the commit offset in {@link CommitOffsets}' tag. An
 * empty cluster id is not checked (a broker that does not know it yet). Runs on the connection's event loop.
 */
public final class BrokerRegistrationHandler implements ApiHandler {
    private final Controller controller;

    public BrokerRegistrationHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        io.samsa.wire.message.BrokerRegistrationRequest req = (io.samsa.wire.message.BrokerRegistrationRequest) request;
        List<Endpoint> listeners = new ArrayList<>(req.listeners().size());
        for (io.samsa.wire.message.BrokerRegistrationRequest.Listener l : req.listeners()) {
            listeners.add(new Endpoint(l.name(), l.host(), l.port(), Endpoint.protocolName(l.securityProtocol())));
        }
        Map<String, BrokerRegistration.VersionRange> features = new TreeMap<>();
        for (io.samsa.wire.message.BrokerRegistrationRequest.Feature f : req.features()) {
            features.put(f.name(), new BrokerRegistration.VersionRange(f.minSupportedVersion(),
                    f.maxSupportedVersion()));
        }
        String clusterId = req.clusterId() == null || req.clusterId().isEmpty() ? null : req.clusterId();
        controller.registerBroker(new BrokerRegistrationRequest(req.brokerId(), clusterId, req.incarnationId(),
                listeners, features, req.rack(), req.previousBrokerEpoch())).whenComplete((c, e) -> {
            if (e != null) {
                sink.send(new BrokerRegistrationResponse().setErrorCode(ApiError.of(e, ctx.logPrefix()).codeValue())
                        .setBrokerEpoch(-1));
            } else {
                sink.send(CommitOffsets.set(new BrokerRegistrationResponse().setErrorCode(ErrorCode.NONE.code())
                        .setBrokerEpoch(c.value().brokerEpoch()), c.offset()));
            }
        });
    }
}
