package io.samsa.wire.protocol;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.RequestHeader;

/**
 * Parses the request header at the start of a request frame (without its size prefix). The API key
 * and version come first, so the header version (0, 1 or 2) follows from the API's schema; see
 * {@link ApiMessageType#requestHeaderVersion}. Stateless; called on the connection's event loop.
 */
public final class RequestHeaderParser {
    /** API key, API version and correlation id: present in every header version. */
    private static final int FIXED_PREFIX = 8;

    private RequestHeaderParser() {
    }

    /**
     * Reads the header and leaves {@code frame}'s reader index at the request body. Borrows
     * {@code frame}.
     *
     * @throws UnsupportedRequestException for an unknown API key or a version outside its range
     *     (carrying the correlation id, so the caller can answer UNSUPPORTED_VERSION); the reader
     *     index is then unchanged
     * @throws DecodeException when the bytes do not form a header (the caller closes the connection)
     */
    public static ParsedRequestHeader parse(ByteBuf frame) {
        int start = frame.readerIndex();
        if (frame.readableBytes() < FIXED_PREFIX) {
            throw new DecodeException("A request of " + frame.readableBytes() + " bytes is too short for a header");
        }
        short apiKey = frame.getShort(start);
        short apiVersion = frame.getShort(start + 2);
        int correlationId = frame.getInt(start + 4);
        ApiMessageType api = ApiMessageType.fromId(apiKey);
        if (api == null) {
            throw new UnsupportedRequestException(apiKey, apiVersion, correlationId, "Unknown API key " + apiKey);
        }
        if (!api.isVersionSupported(apiVersion)) {
            throw new UnsupportedRequestException(apiKey, apiVersion, correlationId, api.apiName() + " version "
                + apiVersion + " is not supported (" + api.lowestVersion() + " to " + api.highestVersion() + ")");
        }
        short headerVersion = api.requestHeaderVersion(apiVersion);
        RequestHeader header = new RequestHeader();
        header.read(frame, headerVersion);
        return new ParsedRequestHeader(api, apiVersion, correlationId, header.clientId(), headerVersion, header);
    }
}
