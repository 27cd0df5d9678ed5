package io.samsa.controller;

import io.samsa.common.Clock;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What the controller needs to start: this node's id, the cluster id to format the metadata log with
 * (null for a new random one), the broker's static properties (defaults such as {@code num.partitions}
 * and the fallbacks of topic configs), bootstrap feature levels, snapshot thresholds, the partition
 * limit, and the clock and id source. Immutable; build with {@link #builder(int)}.
 */
public record ControllerConfig(int nodeId, String clusterId, Map<String, String> staticProps,
                               Map<String, Short> bootstrapFeatures, long snapshotMaxRecords,
                               long snapshotMaxBytes, int maxPartitionsPerTopic,
                               Clock clock, Supplier<UUID> uuids, long sessionCheckIntervalMs) {
    public ControllerConfig {
        staticProps = Map.copyOf(staticProps);
        bootstrapFeatures = Map.copyOf(bootstrapFeatures);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(uuids, "uuids");
    }

    public static Builder builder(int nodeId) {
        return new Builder(nodeId);
    }

    /** {@code num.partitions}: partitions of a topic created with -1 (default 1). */
    public int defaultPartitions() {
        return intProp("num.partitions", 1);
    }

    /** {@code default.replication.factor}: replicas of a topic created with -1 (default 1). */
    public int defaultReplicationFactor() {
        return intProp("default.replication.factor", 1);
    }

    /** {@code broker.session.timeout.ms}: a broker without a heartbeat this long is fenced (default 9000). */
    public long brokerSessionTimeoutMs() {
        return intProp("broker.session.timeout.ms", 9000);
    }

    /** How often the active controller looks for expired broker sessions: an eighth of the timeout by default. */
    public long sessionCheckIntervalMs() {
        return sessionCheckIntervalMs > 0 ? sessionCheckIntervalMs : Math.max(10, brokerSessionTimeoutMs() / 8);
    }

    /** {@code auto.leader.rebalance.enable}: move leadership back to preferred replicas periodically (true). */
    public boolean autoLeaderRebalanceEnable() {
        return !"false".equalsIgnoreCase(staticProps.getOrDefault("auto.leader.rebalance.enable", "true").trim());
    }

    /** {@code leader.imbalance.check.interval.seconds} in milliseconds (default 300 s). */
    public long leaderImbalanceCheckIntervalMs() {
        return intProp("leader.imbalance.check.interval.seconds", 300) * 1000L;
    }

    /** {@code delete.topic.enable} (default true). */
    public boolean deleteTopicEnable() {
        return !"false".equalsIgnoreCase(staticProps.getOrDefault("delete.topic.enable", "true").trim());
    }

    private int intProp(String name, int dflt) {
        String v = staticProps.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid " + name + ": " + v, e);
        }
    }

    /** A random topic id, like Kafka's: never the zero id, never one whose base64 form starts with '-'. */
    public static UUID randomTopicId() {
        while (true) {
            UUID id = UUID.randomUUID();
            if ((id.getMostSignificantBits() >>> 58) != 62 && !(id.getMostSignificantBits() == 0
                    && (id.getLeastSignificantBits() == 0 || id.getLeastSignificantBits() == 1))) {
                return id;
            }
        }
    }

    /** Builds a {@link ControllerConfig}; every setting but node id and data dir has a default. */
    public static final class Builder {
        private final int nodeId;
        private String clusterId;
        private Map<String, String> staticProps = Map.of();
        private Map<String, Short> bootstrapFeatures = Map.of();
        private long snapshotMaxRecords = 100_000;
        private long snapshotMaxBytes = 20L << 20;
        private int maxPartitionsPerTopic = 100_000;
        private Clock clock = Clock.SYSTEM;
        private Supplier<UUID> uuids = ControllerConfig::randomTopicId;
        private long sessionCheckIntervalMs = -1;

        private Builder(int nodeId) {
            this.nodeId = nodeId;
        }

        public Builder clusterId(String v) {
            clusterId = v;
            return this;
        }

        public Builder staticProps(Map<String, String> v) {
            staticProps = v;
            return this;
        }

        public Builder bootstrapFeatures(Map<String, Short> v) {
            bootstrapFeatures = v;
            return this;
        }

        /** Snapshot after this many records since the last snapshot. */
        public Builder snapshotMaxRecords(long v) {
            snapshotMaxRecords = v;
            return this;
        }

        /** Snapshot after this many log bytes since the last snapshot. */
        public Builder snapshotMaxBytes(long v) {
            snapshotMaxBytes = v;
            return this;
        }

        public Builder maxPartitionsPerTopic(int v) {
            maxPartitionsPerTopic = v;
            return this;
        }

        public Builder clock(Clock v) {
            clock = v;
            return this;
        }

        public Builder uuids(Supplier<UUID> v) {
            uuids = v;
            return this;
        }

        /**
         * How often the active controller checks broker sessions (default: an eighth of
         * {@code broker.session.timeout.ms}); tests with a manual clock set it very long and check on demand.
         */
        public Builder sessionCheckIntervalMs(long v) {
            sessionCheckIntervalMs = v;
            return this;
        }

        public ControllerConfig build() {
            return new ControllerConfig(nodeId, clusterId, staticProps, bootstrapFeatures,
                snapshotMaxRecords, snapshotMaxBytes, maxPartitionsPerTopic, clock, uuids, sessionCheckIntervalMs);
        }
    }
}
