package io.samsa.server.security.sasl;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.SaslAuthenticateResponse;
import io.samsa.wire.message.SaslHandshakeResponse;
import io.samsa.wire.protocol.Message;

/**
 * SaslHandshake (key 17) and SaslAuthenticate (key 36) on a connection that has authenticated and is not
 * re-authenticating: ILLEGAL_SASL_STATE, as Kafka's request handler answers them. The exchanges themselves run in
 * {@link SaslAuthenticator} before requests reach handlers. Stateless.
 */
public final class IllegalSaslStateHandler implements ApiHandler {
    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        if (ctx.apiKey() == SaslAuthenticator.SASL_HANDSHAKE) {
            sink.send(new SaslHandshakeResponse().setErrorCode(ErrorCode.ILLEGAL_SASL_STATE.code()));
        } else {
            sink.send(new SaslAuthenticateResponse().setErrorCode(ErrorCode.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate request received after successful authentication"));
        }
    }
}
