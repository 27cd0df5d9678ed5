package io.samsa.server.handler;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * ApiVersions (key 18, all versions): the served APIs and version ranges from {@link SupportedApis}.
 * v3+ (KIP-511) checks the client software name and version. An unsupported ApiVersions version is
 * answered by the request decoder with UNSUPPORTED_VERSION at version 0.
 */
public final class ApiVersionsHandler implements ApiHandler {
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    private volatile SupportedApis apis;

    /** The table is set once it is complete (ApiVersions is part of it). */
    public void setApis(SupportedApis apis) {
        this.apis = apis;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ApiVersionsRequest req = (ApiVersionsRequest) request;
        ApiVersionsResponse resp = new ApiVersionsResponse().setApiKeys(apiList(apis));
        if (ctx.apiVersion() >= 3 && (!SOFTWARE.matcher(req.clientSoftwareName()).matches()
                || !SOFTWARE.matcher(req.clientSoftwareVersion()).matches())) {
            resp.setErrorCode(ErrorCode.INVALID_REQUEST.code());
        }
        sink.send(resp);
    }

    /** The api_keys array for a response. */
    public static List<ApiVersionsResponse.ApiVersion> apiList(SupportedApis apis) {
        List<ApiVersionsResponse.ApiVersion> out = new ArrayList<>();
        for (SupportedApis.Entry e : apis.entries()) {
            out.add(new ApiVersionsResponse.ApiVersion().setApiKey(e.apiKey()).setMinVersion(e.minVersion())
                    .setMaxVersion(e.maxVersion()));
        }
        return out;
    }
}
