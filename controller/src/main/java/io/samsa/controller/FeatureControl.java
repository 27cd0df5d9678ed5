package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The finalized features (KIP-584): validates UpdateFeatures against the levels this node supports and the current
 * ones, and turns a valid request into {@code FeatureLevelRecord}s (level 0 removes a feature). Kafka's rules: a
 * level outside the supported range, an unknown feature, a lower level without a downgrade type, or a higher one with
 * it, or a level a registered broker does not support (its registration's features) are INVALID_UPDATE_VERSION; the
 * request is applied whole or not at all. Changes nothing itself.
 *
 * <p>Not thread-safe: runs on the controller thread.
 */
final class FeatureControl {
    private final int nodeId;

    FeatureControl(int nodeId) {
        this.nodeId = nodeId;
    }

    ControllerResult<List<ApiResult<String>>> updateFeatures(MetadataImage image, List<FeatureUpdate> updates,
                                                             boolean validateOnly) {
        List<Message> records = new ArrayList<>();
        List<ApiResult<String>> results = new ArrayList<>(updates.size());
        Set<String> seen = new HashSet<>();
        boolean failed = false;
        for (FeatureUpdate u : updates) {
            String problem = !seen.add(u.feature()) ? "The feature is named twice in the request."
                    : problem(image, u);
            if (problem != null) {
                failed = true;
                results.add(new ApiResult<>(u.feature(), ErrorCode.INVALID_UPDATE_VERSION, "Invalid update version "
                        + u.maxVersionLevel() + " for feature " + u.feature() + ". " + problem));
            } else {
                results.add(ApiResult.ok(u.feature()));
                records.add(new FeatureLevelRecord().setName(u.feature()).setFeatureLevel(u.maxVersionLevel()));
            }
        }
        return new ControllerResult<>(validateOnly || failed ? List.of() : records, results);
    }

    private String problem(MetadataImage image, FeatureUpdate u) {
        short[] range = SupportedFeatures.range(u.feature());
        short current = image.features().getOrDefault(u.feature(), (short) 0);
        short level = u.maxVersionLevel();
        if (u.upgradeType() == null) {
            return "Unknown upgrade type.";
        }
        if (range == null) {
            return level <= 0 && current == 0 ? "Feature " + u.feature() + " not found."
                    : "Local controller " + nodeId + " does not support this feature.";
        }
        if (level < range[0] || level > range[1]) {
            return "Local controller " + nodeId + " only supports versions " + range[0] + "-" + range[1];
        }
        for (BrokerRegistration b : image.brokers().values()) {
            BrokerRegistration.VersionRange supported = b.features().get(u.feature());
            if (supported == null ? level > 0 : !supported.contains(level)) {
                return "Broker " + b.nodeId() + (supported == null ? " does not support this feature."
                        : " only supports versions " + supported.min() + "-" + supported.max());
            }
        }
        if (level < current && u.upgradeType() == FeatureUpdate.UpgradeType.UPGRADE) {
            return "Can't downgrade the version of this feature without setting the upgrade type to either safe or "
                    + "unsafe downgrade.";
        }
        if (level > current && u.upgradeType() != FeatureUpdate.UpgradeType.UPGRADE) {
            return "Can't downgrade to a newer version.";
        }
        return null;
    }
}
