package io.samsa.server.handler.admin;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.UnregisterBrokerRequest;
import io.samsa.wire.message.UnregisterBrokerResponse;
import io.samsa.wire.protocol.Message;

/**
 * UnregisterBroker (key 64, v0, KIP-631): removes a broker from the cluster ({@code kafka-cluster.sh
 * unregister}); {@code BROKER_ID_NOT_REGISTERED} for an unknown id. Runs on the connection's event loop.
 */
public final class UnregisterBrokerHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public UnregisterBrokerHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        UnregisterBrokerRequest req = (UnregisterBrokerRequest) request;
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().unregisterBroker(req.brokerId())), ctx,
                sink, v -> new UnregisterBrokerResponse().setErrorCode(ErrorCode.NONE.code()),
                error -> new UnregisterBrokerResponse().setErrorCode(error.codeValue())
                        .setErrorMessage(error.message()));
    }
}
