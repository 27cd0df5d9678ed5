package io.samsa.server.handler.controller;

import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.Controller;
import io.samsa.server.cluster.BrokerConnections;
import io.samsa.server.cluster.CommitOffsets;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.BrokerHeartbeatResponse;
import io.samsa.wire.protocol.Message;

/**
 * BrokerHeartbeat (key 63, v0-2, KIP-631), on the controller listener: the broker's session, unfencing and
 * controlled shutdown, answered once the records it caused are committed (commit offset in {@link CommitOffsets}'
 * tag). Runs on the connection's event loop.
 */
public final class BrokerHeartbeatHandler implements ApiHandler {
    private final Controller controller;
    private final BrokerConnections connections;

    public BrokerHeartbeatHandler(Controller controller) {
        this(controller, null);
    }

    /** With {@code connections} (null: none) told which connection each broker heartbeats on. */
    public BrokerHeartbeatHandler(Controller controller, BrokerConnections connections) {
        this.controller = controller;
        this.connections = connections;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        io.samsa.wire.message.BrokerHeartbeatRequest req = (io.samsa.wire.message.BrokerHeartbeatRequest) request;
        controller.brokerHeartbeat(new BrokerHeartbeatRequest(req.brokerId(), req.brokerEpoch(),
                req.currentMetadataOffset(), req.wantFence(), req.wantShutDown())).whenComplete((c, e) -> {
            if (e != null) {
                sink.send(new BrokerHeartbeatResponse().setErrorCode(ApiError.of(e, ctx.logPrefix()).codeValue())
                        .setIsFenced(true));
            } else {
                if (connections != null && !c.value().shouldShutDown()) {
                    connections.heartbeat(ctx.clientAddress(), req.brokerId(), req.brokerEpoch());
                }
                sink.send(CommitOffsets.set(new BrokerHeartbeatResponse().setErrorCode(ErrorCode.NONE.code())
                        .setIsCaughtUp(c.value().isCaughtUp()).setIsFenced(c.value().isFenced())
                        .setShouldShutDown(c.value().shouldShutDown()), c.offset()));
            }
        });
    }
}
