package io.samsa.server.handler;

import io.samsa.controller.SupportedFeatures;
import io.samsa.metadata.MetadataImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * ApiVersions (key 18, all versions): the served APIs and version ranges from {@link SupportedApis}.
 * v3+ (KIP-511) checks the client software name and version, and (KIP-584) carries the feature flags: the ones
 * this broker supports with their ranges ({@link SupportedFeatures}), the ones finalized in the metadata image (level
 * above 0) and the image's offset as their epoch, from which clients pick the newest view (a transactional producer
 * reads {@code transaction.version} there). An unsupported ApiVersions version is answered by the request decoder
 * with UNSUPPORTED_VERSION at version 0.
 */
public final class ApiVersionsHandler implements ApiHandler {
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    private volatile SupportedApis apis;
    /**
     * Tables of listeners that serve other APIs than {@link #apis} (SASL listeners add SaslHandshake and
     * SaslAuthenticate: Kafka answers ApiVersions per listener).
     */
    private volatile Map<String, SupportedApis> listenerApis = Map.of();
    private volatile Supplier<MetadataImage> image;

    /** The table is set once it is complete (ApiVersions is part of it). */
    public void setApis(SupportedApis apis) {
        this.apis = apis;
    }

    /** The table of listener {@code listenerName}, when it differs from {@link #setApis}'s. */
    public void setListenerApis(String listenerName, SupportedApis table) {
        Map<String, SupportedApis> next = new HashMap<>(listenerApis);
        next.put(listenerName, table);
        listenerApis = Map.copyOf(next);
    }

    /** Where the finalized features come from (the image handlers read); none are answered until it is set. */
    public void setFeatures(Supplier<MetadataImage> image) {
        this.image = image;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ApiVersionsRequest req = (ApiVersionsRequest) request;
        ApiVersionsResponse resp = new ApiVersionsResponse().setApiKeys(apiList(
                listenerApis.getOrDefault(ctx.listenerName(), apis)));
        if (ctx.apiVersion() >= 3 && (!SOFTWARE.matcher(req.clientSoftwareName()).matches()
                || !SOFTWARE.matcher(req.clientSoftwareVersion()).matches())) {
            resp.setErrorCode(ErrorCode.INVALID_REQUEST.code());
        }
        Supplier<MetadataImage> features = image;
        if (ctx.apiVersion() >= 3 && features != null) {
            addFeatures(resp, features.get());
        }
        sink.send(resp);
    }

    private static void addFeatures(ApiVersionsResponse resp, MetadataImage img) {
        for (Map.Entry<String, short[]> e : SupportedFeatures.all().entrySet()) {
            resp.supportedFeatures().add(new ApiVersionsResponse.SupportedFeatureKey().setName(e.getKey())
                    .setMinVersion(e.getValue()[0]).setMaxVersion(e.getValue()[1]));
        }
        resp.setFinalizedFeaturesEpoch(img.offset());
        new TreeMap<>(img.features()).forEach((name, level) -> {
            if (level > 0) {
                resp.finalizedFeatures().add(new ApiVersionsResponse.FinalizedFeatureKey().setName(name)
                        .setMinVersionLevel(level).setMaxVersionLevel(level));
            }
        });
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
