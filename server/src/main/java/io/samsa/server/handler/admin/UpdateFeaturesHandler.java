package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.FeatureUpdate;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.message.UpdateFeaturesRequest;
import io.samsa.wire.message.UpdateFeaturesResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * UpdateFeatures (key 57), v0-2 (KIP-584, KIP-778): finalizes feature levels through the controller
 * ({@code FeatureLevelRecord}s), as {@code kafka-features.sh upgrade|downgrade} asks: {@code transaction.version}
 * 0-2, {@code eligible.leader.replicas.version} 0-1. Served by a broker with an in-process controller and by a
 * controller's own listener ({@code --bootstrap-controller}, KIP-919). v0's AllowDowngrade means a safe downgrade;
 * v1+ carry the upgrade type and validate-only. A request is applied whole or not at all: a refused update
 * (INVALID_UPDATE_VERSION with Kafka's message) fails the request with the top-level error "The update failed for all
 * features since the following feature had an error: ..."; v0-1 also answer per feature (v2 answers at the top only).
 * Answered once this broker's image (on a controller: the commit) shows the change. Thread-safe.
 */
public final class UpdateFeaturesHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public UpdateFeaturesHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        UpdateFeaturesRequest req = (UpdateFeaturesRequest) request;
        short v = ctx.apiVersion();
        List<FeatureUpdate> updates = new ArrayList<>();
        for (UpdateFeaturesRequest.FeatureUpdateKey k : req.featureUpdates()) {
            FeatureUpdate.UpgradeType type = v >= 1 ? FeatureUpdate.UpgradeType.fromCode(k.upgradeType())
                    : k.allowDowngrade() ? FeatureUpdate.UpgradeType.SAFE_DOWNGRADE : FeatureUpdate.UpgradeType.UPGRADE;
            updates.add(new FeatureUpdate(k.feature(), k.maxVersionLevel(), type));
        }
        boolean validateOnly = v >= 1 && req.validateOnly();
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().updateFeatures(updates, validateOnly)),
                ctx, sink, r -> response(r, v), e -> new UpdateFeaturesResponse().setErrorCode(e.codeValue())
                        .setErrorMessage(e.message()));
    }

    private static UpdateFeaturesResponse response(List<ApiResult<String>> results, short v) {
        UpdateFeaturesResponse resp = new UpdateFeaturesResponse();
        for (ApiResult<String> r : results) {
            if (!r.isSuccess() && resp.errorCode() == 0) {
                resp.setErrorCode(r.error().code()).setErrorMessage("The update failed for all features since the "
                        + "following feature had an error: " + r.errorMessage());
            }
        }
        if (v < 2) {
            for (ApiResult<String> r : results) {
                resp.results().add(new UpdateFeaturesResponse.UpdatableFeatureResult().setFeature(r.key())
                        .setErrorCode(r.error().code()).setErrorMessage(r.errorMessage()));
            }
        }
        return resp;
    }
}
