package io.samsa.server.handler.controller;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.controller.Controller;
import io.samsa.server.cluster.CommitOffsets;
import io.samsa.server.cluster.Envelopes;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.AdminApis;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.EnvelopeRequest;
import io.samsa.wire.message.EnvelopeResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.protocol.Message;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envelope (key 58, v0, KIP-590), on the controller listener: an admin request a broker forwards to the active
 * controller. The inner request is one that changes metadata ({@link AdminApis#CHANGES}); it is answered by the same
 * handler a broker uses, bound to this envelope's {@link ControllerChanges}, and its response goes back inside the
 * EnvelopeResponse with the commit offset in {@link CommitOffsets}' tag. When the controller is not active the
 * envelope fails with {@code NOT_CONTROLLER} (the broker sends it to the new active controller); an inner request
 * that cannot be read, or is not forwardable, fails it with {@code INVALID_REQUEST}. Runs on the connection's event
 * loop.
 */
public final class EnvelopeHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(EnvelopeHandler.class);

    private final Controller controller;
    private final Map<Short, AdminApis.ChangeApi> forwardable = new HashMap<>();

    public EnvelopeHandler(Controller controller, List<AdminApis.ChangeApi> apis) {
        this.controller = controller;
        for (AdminApis.ChangeApi a : apis) {
            forwardable.put(a.apiKey(), a);
        }
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        EnvelopeRequest envelope = (EnvelopeRequest) request;
        ByteBuf data = Unpooled.wrappedBuffer(envelope.requestData());
        if (data.readableBytes() < 8) {
            refuse(ctx, sink, "the forwarded request is " + data.readableBytes() + " bytes long");
            return;
        }
        short apiKey = data.getShort(0);
        short version = data.getShort(2);
        AdminApis.ChangeApi api = forwardable.get(apiKey);
        ApiMessageType type = ApiMessageType.fromId(apiKey);
        if (api == null || type == null || version < api.minVersion() || version > api.maxVersion()) {
            refuse(ctx, sink, "API " + apiKey + " v" + version + " is not forwarded to the controller");
            return;
        }
        RequestHeader header = new RequestHeader();
        Message inner = type.newRequest();
        try {
            header.read(data, type.requestHeaderVersion(version));
            inner.read(data, version);
            if (data.isReadable()) {
                throw new DecodeException(data.readableBytes() + " byte(s) follow the forwarded request");
            }
        } catch (DecodeException e) {
            refuse(ctx, sink, e.getMessage());
            return;
        }
        RequestContext innerCtx = new RequestContext(apiKey, version, header.correlationId(), header.clientId(),
                ctx.listenerName(), Envelopes.clientAddress(envelope.clientHostAddress()), ctx.executor(), ctx.alloc(),
                ctx.frame(), ctx.receivedNanos());
        ControllerChanges changes = new ControllerChanges(controller);
        api.handler().apply(changes).handle(innerCtx, inner, new ResponseSink() {
            @Override
            public void send(Message response) {
                if (changes.sawNotController()) {
                    sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.NOT_CONTROLLER.code()));
                    return;
                }
                sink.send(CommitOffsets.set(new EnvelopeResponse().setErrorCode(ErrorCode.NONE.code())
                        .setResponseData(Envelopes.response(response, version, header.correlationId())),
                        changes.committed()));
            }

            @Override
            public void sendNothing() {
                sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.INVALID_REQUEST.code()));
            }

            @Override
            public void closeConnection(String reason) {
                sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.INVALID_REQUEST.code()));
            }
        });
    }

    private static void refuse(RequestContext ctx, ResponseSink sink, String why) {
        log.warn("{}Refusing a forwarded request: {}", ctx.logPrefix(), why);
        sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.INVALID_REQUEST.code()));
    }
}
