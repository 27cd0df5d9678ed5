package io.samsa.wire.protocol;

import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.RequestHeader;

/**
 * A request header as {@link RequestHeaderParser} returns it. Immutable, except that
 * {@code header} is the (mutable) generated message it was read into.
 *
 * @param api           the API of the request
 * @param apiVersion    the request's version, within the API's supported range
 * @param correlationId the id the response must echo
 * @param clientId      the client id, possibly null (always empty for header v0)
 * @param headerVersion the request header version that was read (0, 1 or 2)
 * @param header        the header message, with any unknown tagged fields
 */
public record ParsedRequestHeader(ApiMessageType api, short apiVersion, int correlationId, String clientId,
                                  short headerVersion, RequestHeader header) {
    public short apiKey() {
        return api.id();
    }
}
