package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.Message;

/**
 * Kafka's framing of this broker's requests to other brokers, the part every {@link BrokerChannel} shares (the
 * production {@link NettyBrokerChannel}, the simulated one in tests): which API a request belongs to and whether it
 * can be sent at a version, its request header (at the version's header version), and the decoding of a response
 * frame (response header, then the body at the request's version). Stateless.
 */
final class BrokerFraming {
    private BrokerFraming() {
    }

    /** The API of {@code request} when it can be sent at {@code version}, else null. */
    static ApiMessageType api(Message request, short version) {
        ApiMessageType type = ApiMessageType.fromId(request.apiKey());
        return type == null || !type.isVersionSupported(version) ? null : type;
    }

    /** The failure of a request that cannot be sent at {@code version} (UNSUPPORTED_VERSION). */
    static SamsaException unsupported(Message request, short version) {
        return new SamsaException(ErrorCode.UNSUPPORTED_VERSION, "Cannot send " + request.getClass().getSimpleName()
                + " at version " + version);
    }

    /** The header of request {@code correlationId} of {@code type} at {@code version}. */
    static RequestHeader requestHeader(ApiMessageType type, short version, int correlationId, String clientId) {
        return new RequestHeader().setRequestApiKey(type.id()).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId(clientId);
    }

    /**
     * Writes request {@code correlationId} of {@code type} at {@code version}, size prefix and header included, into
     * a new buffer of {@code alloc}, which the caller owns.
     *
     * @throws RuntimeException when {@code request} cannot be written at {@code version}
     */
    static ByteBuf encode(ByteBufAllocator alloc, ApiMessageType type, short version, int correlationId,
                          String clientId, Message request) {
        RequestHeader header = requestHeader(type, version, correlationId, clientId);
        short headerVersion = type.requestHeaderVersion(version);
        int size = header.size(headerVersion) + request.size(version);
        ByteBuf buf = alloc.buffer(4 + size);
        try {
            buf.writeInt(size);
            header.write(buf, headerVersion);
            request.write(buf, version);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * Reads a response frame (without its size prefix) to a request of {@code type} at {@code version}. Borrows
     * {@code frame}: records fields of the body are slices of it.
     *
     * @throws RuntimeException when the bytes are not such a response
     */
    static Message readResponse(ApiMessageType type, short version, ByteBuf frame) {
        new ResponseHeader().read(frame, type.responseHeaderVersion(version));
        Message body = type.newResponse();
        body.read(frame, version);
        return body;
    }
}
