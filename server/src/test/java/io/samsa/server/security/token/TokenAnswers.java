package io.samsa.server.security.token;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/** Calls a token handler the way a connection does and returns its one answer; the token handlers answer at once. */
final class TokenAnswers {
    private TokenAnswers() {
    }

    /** The one response {@code handler} sent to {@code request}; fails when it sent none or closed the connection. */
    static Message answer(ApiHandler handler, RequestContext ctx, Message request) {
        List<Message> sent = new ArrayList<>();
        handler.handle(ctx, request, new ResponseSink() {
            @Override
            public void send(Message response) {
                sent.add(response);
            }

            @Override
            public void sendNothing() {
                throw new AssertionError("no answer");
            }

            @Override
            public void closeConnection(String reason) {
                throw new AssertionError("closed: " + reason);
            }
        });
        if (sent.size() != 1) {
            throw new AssertionError(sent.size() + " answers");
        }
        return sent.get(0);
    }
}
