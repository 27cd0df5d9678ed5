package io.samsa.server.network;

import io.netty.buffer.ByteBuf;
import io.samsa.server.handler.ApiVersionsHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.protocol.Message;

/**
 * Turns a request frame into its header and decoded body, for the APIs and versions this broker serves.
 * Stateless and thread-safe.
 */
public final class RequestDecoder {
    private static final short API_VERSIONS = 18;

    /** A decoded request. The request's records fields are slices of the frame. */
    public record Decoded(short apiKey, short apiVersion, int correlationId, String clientId,
                          short responseHeaderVersion, SupportedApis.Entry entry, Message request) {
    }

    /**
     * A request for an API or version this broker does not serve. {@link #answer} is the response to
     * send (ApiVersions answers with UNSUPPORTED_VERSION, at response version 0) or null when the
     * connection is closed instead, as Kafka does.
     */
    public static final class UnservedRequestException extends DecodeException {
        private static final long serialVersionUID = 1L;
        private final int correlationId;
        private final transient Message answer;

        UnservedRequestException(String message, int correlationId, Message answer) {
            super(message);
            this.correlationId = correlationId;
            this.answer = answer;
        }

        public int correlationId() {
            return correlationId;
        }

        public Message answer() {
            return answer;
        }
    }

    /** Decodes {@code frame}. Borrows it: the caller keeps ownership and releases it. */
    public Decoded decode(ByteBuf frame, SupportedApis apis) {
        if (frame.readableBytes() < 8) {
            throw new DecodeException("Request of " + frame.readableBytes() + " bytes is too short for a header");
        }
        int start = frame.readerIndex();
        short apiKey = frame.getShort(start);
        short apiVersion = frame.getShort(start + 2);
        int correlationId = frame.getInt(start + 4);
        ApiMessageType type = ApiMessageType.fromId(apiKey);
        SupportedApis.Entry entry = apis.get(apiKey);
        if (type == null || entry == null) {
            throw new UnservedRequestException("unsupported API key " + apiKey, correlationId, null);
        }
        if (!entry.supports(apiVersion)) {
            if (apiKey == API_VERSIONS) {
                ApiVersionsResponse answer = new ApiVersionsResponse()
                        .setErrorCode(ErrorCode.UNSUPPORTED_VERSION.code())
                        .setApiKeys(ApiVersionsHandler.apiList(apis));
                throw new UnservedRequestException("unsupported ApiVersions version " + apiVersion, correlationId,
                        answer);
            }
            throw new UnservedRequestException("unsupported version " + apiVersion + " of API " + type.apiName()
                    + " (served: " + entry.minVersion() + " to " + entry.maxVersion() + ")", correlationId, null);
        }
        RequestHeader header = new RequestHeader();
        header.read(frame, type.requestHeaderVersion(apiVersion));
        Message request = type.newRequest();
        request.read(frame, apiVersion);
        return new Decoded(apiKey, apiVersion, correlationId, header.clientId(),
                type.responseHeaderVersion(apiVersion), entry, request);
    }
}
