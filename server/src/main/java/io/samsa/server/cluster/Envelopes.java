package io.samsa.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.server.security.Principal;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.DefaultPrincipalData;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.Message;

/**
 * The bytes inside an Envelope (KIP-590): a broker forwards an admin request to the active controller as the
 * request's header and body ({@code request_data}), with the client's principal and address; the controller
 * answers with the response's header and body ({@code response_data}). Stateless.
 */
public final class Envelopes {
    /** The principal of requests a broker forwards on its own account (no authentication exists yet). */
    public static final byte[] ANONYMOUS = principal("User", "ANONYMOUS");

    private Envelopes() {
    }

    /**
     * Kafka's serialized principal, as its default principal serde writes it: the schema version (int16, 0) and then
     * {@code DefaultPrincipalData} v0.
     */
    public static byte[] principal(String type, String name) {
        DefaultPrincipalData p = new DefaultPrincipalData().setType(type).setName(name).setTokenAuthenticated(false);
        byte[] body = write(p, (short) 0, null, (short) -1);
        byte[] out = new byte[2 + body.length];
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    /**
     * Reads a principal {@link #principal} wrote (a version-prefixed {@code DefaultPrincipalData}).
     *
     * @throws DecodeException for bytes that are not one
     */
    public static Principal readPrincipal(byte[] bytes) {
        if (bytes == null || bytes.length < 2) {
            throw new DecodeException("The forwarded principal is missing");
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        short version = buf.readShort();
        if (version != 0) {
            throw new DecodeException("Unknown version " + version + " of the forwarded principal");
        }
        DefaultPrincipalData p = new DefaultPrincipalData();
        try {
            p.read(buf, version);
        } catch (RuntimeException e) {
            throw new DecodeException("Malformed forwarded principal", e);
        }
        if (buf.isReadable() || p.type() == null || p.name() == null) {
            throw new DecodeException("Malformed forwarded principal");
        }
        return new Principal(p.type(), p.name());
    }

    /** The client address an Envelope carries ({@code client_host_address}), port 0; null when unreadable. */
    public static java.net.InetSocketAddress clientAddress(byte[] bytes) {
        try {
            return bytes == null ? null : new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(bytes), 0);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** A request's header and body at {@code version}, as an Envelope carries it. */
    public static byte[] request(Message request, short version, int correlationId, String clientId) {
        ApiMessageType type = ApiMessageType.fromId(request.apiKey());
        RequestHeader header = new RequestHeader().setRequestApiKey(request.apiKey()).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId(clientId);
        return write(request, version, header, type.requestHeaderVersion(version));
    }

    /** A response's header and body at {@code version}, as an EnvelopeResponse carries it. */
    public static byte[] response(Message response, short version, int correlationId) {
        ApiMessageType type = ApiMessageType.fromId(response.apiKey());
        return write(response, version, new ResponseHeader().setCorrelationId(correlationId),
                type.responseHeaderVersion(version));
    }

    /** Reads a response of {@code apiKey} at {@code version} from an EnvelopeResponse's data. */
    public static Message readResponse(byte[] data, short apiKey, short version) {
        ApiMessageType type = ApiMessageType.fromId(apiKey);
        if (type == null) {
            throw new DecodeException("Unknown API key " + apiKey);
        }
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        new ResponseHeader().read(buf, type.responseHeaderVersion(version));
        Message response = type.newResponse();
        response.read(buf, version);
        if (buf.isReadable()) {
            throw new DecodeException(buf.readableBytes() + " byte(s) follow the forwarded response");
        }
        return response;
    }

    /**
     * A copy of {@code message} that shares no bytes with the frame it was read from: records fields point into a
     * heap array of their own. For messages kept after their frame is released.
     */
    public static Message detach(Message message, short version, boolean response) {
        byte[] bytes = write(message, version, null, (short) -1);
        ApiMessageType type = ApiMessageType.fromId(message.apiKey());
        Message copy = response ? type.newResponse() : type.newRequest();
        copy.read(Unpooled.wrappedBuffer(bytes), version);
        return copy;
    }

    private static byte[] write(Message body, short version, Message header, short headerVersion) {
        int headerSize = header == null ? 0 : header.size(headerVersion);
        byte[] bytes = new byte[headerSize + body.size(version)];
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        buf.writerIndex(0);
        if (header != null) {
            header.write(buf, headerVersion);
        }
        body.write(buf, version);
        return bytes;
    }
}
