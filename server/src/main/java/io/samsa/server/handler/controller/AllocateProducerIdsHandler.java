package io.samsa.server.handler.controller;

import io.samsa.controller.Controller;
import io.samsa.server.cluster.CommitOffsets;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AllocateProducerIdsRequest;
import io.samsa.wire.message.AllocateProducerIdsResponse;
import io.samsa.wire.protocol.Message;

/**
 * AllocateProducerIds (key 67, v0, KIP-730), on the controller listener: the next block of producer ids for a
 * registered broker ({@code STALE_BROKER_EPOCH} otherwise). Runs on the connection's event loop.
 */
public final class AllocateProducerIdsHandler implements ApiHandler {
    private final Controller controller;

    public AllocateProducerIdsHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AllocateProducerIdsRequest req = (AllocateProducerIdsRequest) request;
        controller.allocateProducerIds(req.brokerId(), req.brokerEpoch()).whenComplete((c, e) -> {
            if (e != null) {
                sink.send(new AllocateProducerIdsResponse().setErrorCode(ApiError.of(e, ctx.logPrefix())
                        .codeValue()));
            } else {
                sink.send(CommitOffsets.set(new AllocateProducerIdsResponse().setErrorCode(ErrorCode.NONE.code())
                        .setProducerIdStart(c.value().firstProducerId()).setProducerIdLen(c.value().size()),
                        c.offset()));
            }
        });
    }
}
