package io.samsa.controller;

import java.util.Map;
import java.util.TreeMap;

/**
 * The feature flags (KIP-584) this version of Samsa supports, with their level ranges: what the controller accepts in
 * UpdateFeatures and what brokers advertise in ApiVersions: {@code transaction.version} 0-2 (KIP-890) and
 * {@code eligible.leader.replicas.version} 0-1 (KIP-966: at 1 the controller tracks eligible leader replicas).
 * Stateless.
 */
public final class SupportedFeatures {
    public static final String TRANSACTION_VERSION = "transaction.version";
    public static final String ELIGIBLE_LEADER_REPLICAS_VERSION = "eligible.leader.replicas.version";

    private static final Map<String, short[]> RANGES = Map.of(TRANSACTION_VERSION, new short[] {0, 2},
        ELIGIBLE_LEADER_REPLICAS_VERSION, new short[] {0, 1});

    private SupportedFeatures() {
    }

    /** Every supported feature by name, as {min, max} levels (a copy). */
    public static Map<String, short[]> all() {
        Map<String, short[]> out = new TreeMap<>();
        RANGES.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** {min, max} of {@code feature}, or null when it is not supported. */
    static short[] range(String feature) {
        short[] r = RANGES.get(feature);
        return r == null ? null : r.clone();
    }
}
