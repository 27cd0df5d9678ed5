package io.samsa.server.security.acl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.cluster.Envelopes;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.security.Principal;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.EnvelopeRequest;
import io.samsa.wire.message.EnvelopeResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.protocol.Message;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * The check of an Envelope (KIP-590) on a controller listener: the forwarding connection needs CLUSTER_ACTION, and
 * the request inside is checked as its {@code request_principal} (Kafka's version-prefixed
 * {@code DefaultPrincipalData}) from its {@code client_host_address}, with the same check as if that client had
 * sent it directly. What the check lets through is forwarded again, as the check left it, to the Envelope handler;
 * the errors the check adds go into the EnvelopeResponse's response data. A principal that cannot be read is
 * {@code PRINCIPAL_DESERIALIZATION_FAILURE}, as in Kafka. Stateless; runs on the connection's event loop.
 */
final class EnvelopeChecks {
    private EnvelopeChecks() {
    }

    /** {@code envelopeHandler} behind the check; {@code checks} gives the check of an inner API around a handler. */
    static ApiHandler handler(ApiHandler envelopeHandler, AclAuthorizer a,
                              BiFunction<Short, ApiHandler, ApiHandler> checks) {
        return (ctx, req, sink) -> {
            if (!a.authorize(ctx, AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) {
                sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code()));
                return;
            }
            EnvelopeRequest envelope = (EnvelopeRequest) req;
            ByteBuf data = Unpooled.wrappedBuffer(envelope.requestData());
            ApiMessageType type = data.readableBytes() < 8 ? null : ApiMessageType.fromId(data.getShort(0));
            short version = data.readableBytes() < 8 ? -1 : data.getShort(2);
            if (type == null || version < type.lowestVersion() || version > type.highestVersion()) {
                envelopeHandler.handle(ctx, req, sink);  // it refuses what it cannot read
                return;
            }
            Principal principal;
            try {
                principal = Envelopes.readPrincipal(envelope.requestPrincipal());
            } catch (DecodeException e) {
                sink.send(new EnvelopeResponse().setErrorCode(ErrorCode.PRINCIPAL_DESERIALIZATION_FAILURE.code()));
                return;
            }
            RequestHeader header = new RequestHeader();
            Message inner = type.newRequest();
            try {
                header.read(data, type.requestHeaderVersion(version));
                inner.read(data, version);
            } catch (DecodeException | IndexOutOfBoundsException e) {
                envelopeHandler.handle(ctx, req, sink);
                return;
            }
            short apiKey = type.id();
            RequestContext innerCtx = new RequestContext(apiKey, version, header.correlationId(), header.clientId(),
                    ctx.listenerName(), Envelopes.clientAddress(envelope.clientHostAddress()), principal, ctx.executor(),
                    ctx.alloc(), ctx.frame(), ctx.receivedNanos());
            AtomicReference<EnvelopeResponse> answered = new AtomicReference<>();
            ApiHandler forward = (c, checked, s) -> envelopeHandler.handle(ctx, new EnvelopeRequest()
                    .setRequestData(Envelopes.request(checked, version, header.correlationId(), header.clientId()))
                    .setRequestPrincipal(envelope.requestPrincipal())
                    .setClientHostAddress(envelope.clientHostAddress()), new Relay(s, sink, answered, apiKey, version));
            checks.apply(apiKey, forward).handle(innerCtx, inner, new ResponseSink() {
                @Override
                public void send(Message response) {
                    EnvelopeResponse e = answered.get() != null ? answered.get()
                            : new EnvelopeResponse().setErrorCode(ErrorCode.NONE.code());
                    sink.send(e.setResponseData(Envelopes.response(response, version, header.correlationId())));
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
        };
    }

    /**
     * Takes the Envelope handler's answer: a failed envelope goes straight out; a response inside goes to the
     * check (which may add its errors), remembering the envelope (with its commit offset) to put it back in.
     */
    private record Relay(ResponseSink check, ResponseSink out, AtomicReference<EnvelopeResponse> answered,
                         short apiKey, short version) implements ResponseSink {
        @Override
        public void send(Message response) {
            EnvelopeResponse e = (EnvelopeResponse) response;
            if (e.errorCode() != ErrorCode.NONE.code() || e.responseData() == null) {
                out.send(e);
                return;
            }
            Message inner;
            try {
                inner = Envelopes.readResponse(e.responseData(), apiKey, version);
            } catch (DecodeException ex) {
                out.send(e);
                return;
            }
            answered.set(e);
            check.send(inner);
        }

        @Override
        public void sendNothing() {
            out.sendNothing();
        }

        @Override
        public void closeConnection(String reason) {
            out.closeConnection(reason);
        }
    }
}
