package io.samsa.controller;

/**
 * One change of UpdateFeatures (KIP-584, KIP-778): finalize {@code feature} at {@code maxVersionLevel} (0 removes it),
 * upgrading, or downgrading safely or unsafely. Immutable.
 */
public record FeatureUpdate(String feature, short maxVersionLevel, UpgradeType upgradeType) {

    /** How a level may move (UpdateFeatures v1+ {@code UpgradeType}; v0's AllowDowngrade is SAFE_DOWNGRADE). */
    public enum UpgradeType {
        /** Only up (1). */
        UPGRADE,
        /** Down, without losing metadata (2). */
        SAFE_DOWNGRADE,
        /** Down, possibly losing metadata (3). */
        UNSAFE_DOWNGRADE;

        /** The protocol's code (1, 2, 3), or null for another. */
        public static UpgradeType fromCode(int code) {
            return code >= 1 && code <= 3 ? values()[code - 1] : null;
        }
    }
}
