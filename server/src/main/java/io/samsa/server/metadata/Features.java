package io.samsa.server.metadata;

import io.samsa.controller.SupportedFeatures;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import java.util.Map;
import java.util.TreeMap;

/**
 * The broker's view of feature flags (KIP-584): the finalized levels in its image, and the levels a new cluster is
 * formatted with. Today one matters: {@code transaction.version} (KIP-890; 0 and 1: the V1 transaction protocol, 2:
 * V2, where Produce v12+ and TxnOffsetCommit v5+ add partitions implicitly and every EndTxn bumps the epoch),
 * finalized at 2 on a new cluster as Kafka 4.4 formats one; and {@code eligible.leader.replicas.version} (KIP-966: at
 * 1 the controller tracks eligible leader replicas), finalized at 1 on a new cluster as Kafka formats one since 4.1.
 * {@code kafka-features.sh} moves them (UpdateFeatures through the controller). The supported ranges are the
 * controller's {@link SupportedFeatures}. Stateless.
 */
public final class Features {
    private Features() {
    }

    /** The levels a new cluster is formatted with. */
    public static Map<String, Short> bootstrap() {
        return Map.of(SupportedFeatures.TRANSACTION_VERSION, (short) 2,
            SupportedFeatures.ELIGIBLE_LEADER_REPLICAS_VERSION, (short) 1);
    }

    /**
     * The ranges this broker registers with (BrokerRegistration's features): the controller refuses to finalize a
     * level that a registered broker does not support.
     */
    public static Map<String, BrokerRegistration.VersionRange> supported() {
        Map<String, BrokerRegistration.VersionRange> out = new TreeMap<>();
        SupportedFeatures.all().forEach((name, range) -> out.put(name,
                new BrokerRegistration.VersionRange(range[0], range[1])));
        return out;
    }

    /** The finalized {@code transaction.version} of {@code image}: 0 when it is not finalized. */
    public static short transactionVersion(MetadataImage image) {
        return image.features().getOrDefault(SupportedFeatures.TRANSACTION_VERSION, (short) 0);
    }
}
