package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.record.ConfigRecord;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The partition changes that follow a broker's state: when a broker leaves (fenced, in controlled shutdown,
 * registered again by a new process, unregistered) it leaves every ISR (but the last place of one) and leadership
 * moves to another ISR member; when a broker becomes usable, the partitions without a leader that it can lead get
 * it as leader. Unclean election ({@code unclean.leader.election.enable}, per topic) lets a replica outside the ISR
 * lead a partition no ISR member can lead. With eligible leader replicas (KIP-966, the
 * {@code eligible.leader.replicas.version} feature at 1) a leaving broker leaves even the last place of an ISR, and
 * becomes an eligible leader replica where the ISR is below {@code min.insync.replicas}; a broker that shut down
 * uncleanly leaves the ELR too. Stateless apart from the static properties; the controller's executor.
 */
final class LeaderMoves {
    private final Map<String, String> staticProps;

    LeaderMoves(Map<String, String> staticProps) {
        this.staticProps = staticProps;
    }

    /** Whether {@code broker} may lead in {@code image}: registered, unfenced and not shutting down. */
    static boolean usable(MetadataImage image, int broker) {
        BrokerRegistration b = image.broker(broker);
        return b != null && b.usable();
    }

    /** {@code unclean.leader.election.enable} as it applies to {@code topic}. */
    boolean uncleanAllowed(MetadataImage image, TopicImage topic) {
        return Boolean.parseBoolean(TopicConfigs.effectiveValue("unclean.leader.election.enable", topic.configs(),
            Map.of(), image.brokerConfigs(""), staticProps));
    }

    /** Whether eligible leader replicas are tracked in {@code image}: {@code eligible.leader.replicas.version} >= 1. */
    static boolean elrEnabled(MetadataImage image) {
        return image.features().getOrDefault(SupportedFeatures.ELIGIBLE_LEADER_REPLICAS_VERSION, (short) 0) >= 1;
    }

    /** The {@code min.insync.replicas} of {@code topic} when ELR is on (for {@link PartitionChange#elr}), else 0. */
    int elrMinIsr(MetadataImage image, TopicImage topic) {
        if (!elrEnabled(image)) {
            return 0;
        }
        return Integer.parseInt(TopicConfigs.effectiveValue("min.insync.replicas", topic.configs(), Map.of(),
            image.brokerConfigs(""), staticProps));
    }

    /** Topics in name order, so that the records of one change come in a reproducible order. */
    static List<TopicImage> topics(MetadataImage image) {
        List<TopicImage> out = new ArrayList<>(image.topicsByName().values());
        out.sort(Comparator.comparing(TopicImage::name));
        return out;
    }

    /** Moves leadership and ISR membership off {@code broker}, which can no longer lead. */
    void leaving(MetadataImage image, int broker, List<Message> out) {
        leaving(image, broker, false, out);
    }

    /**
     * Moves leadership and ISR membership off {@code broker}; when it shut down uncleanly ({@code unclean}, KIP-966)
     * it also leaves the eligible leader replicas.
     */
    void leaving(MetadataImage image, int broker, boolean uncleanShutdown, List<Message> out) {
        IntPredicate usable = b -> b != broker && usable(image, b);
        for (TopicImage t : topics(image)) {
            Boolean unclean = null;
            int minIsr = 0;
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() != broker && !p.isr().contains(broker)
                        && !(uncleanShutdown && p.eligibleLeaderReplicas().contains(broker))) {
                    continue;
                }
                if (unclean == null) {
                    unclean = uncleanAllowed(image, t);
                    minIsr = elrMinIsr(image, t);
                }
                PartitionChange c = new PartitionChange(t.id(), p, usable).elr(minIsr);
                c = uncleanShutdown ? c.uncleanShutdown(broker) : c.removeFromIsr(broker);
                PartitionChangeRecord r = c.uncleanAllowed(unclean).build();
                if (r != null) {
                    out.add(r);
                }
            }
        }
    }

    /** Elects {@code broker}, which just became usable, where a partition has no leader and it may lead. */
    void becameUsable(MetadataImage image, int broker, List<Message> out) {
        IntPredicate usable = b -> b == broker || usable(image, b);
        for (TopicImage t : topics(image)) {
            Boolean unclean = null;
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() != PartitionRegistration.NO_LEADER || !p.replicas().contains(broker)) {
                    continue;
                }
                if (unclean == null) {
                    unclean = uncleanAllowed(image, t);
                }
                // In the ISR; with an empty ISR, eligible (KIP-966), or with no eligible replica the last known leader.
                boolean eligible = p.isr().contains(broker) || p.isr().isEmpty()
                    && (p.eligibleLeaderReplicas().contains(broker)
                        || p.eligibleLeaderReplicas().isEmpty() && p.lastKnownElr().contains(broker));
                if (!eligible && !unclean) {
                    continue;
                }
                PartitionChangeRecord r = new PartitionChange(t.id(), p, usable).elr(elrMinIsr(image, t))
                    .uncleanAllowed(unclean).build();
                if (r != null) {
                    out.add(r);
                }
            }
        }
    }

    /**
     * {@code result} of an AlterConfigs, followed where it changes {@code min.insync.replicas} (of a topic, or a
     * broker's or the cluster's default: every topic) by records that clear the eligible leader replicas of the
     * partitions concerned, as KIP-966 asks: they were chosen against the old minimum.
     */
    <T> ControllerResult<T> afterConfigChange(MetadataImage image, ControllerResult<T> result) {
        if (!elrEnabled(image)) {
            return result;
        }
        Set<String> topics = new HashSet<>();
        boolean all = false;
        for (Message m : result.records()) {
            if (m instanceof ConfigRecord c && c.name().equals("min.insync.replicas")) {
                if (c.resourceType() == ConfigResource.Type.TOPIC.id()) {
                    topics.add(c.resourceName());
                } else {
                    all = true;
                }
            }
        }
        if (topics.isEmpty() && !all) {
            return result;
        }
        List<Message> records = new ArrayList<>(result.records());
        for (TopicImage t : topics(image)) {
            if (!all && !topics.contains(t.name())) {
                continue;
            }
            for (PartitionRegistration p : t.partitions().values()) {
                if (!p.eligibleLeaderReplicas().isEmpty()) {
                    records.add(new PartitionChangeRecord().setTopicId(t.id()).setPartitionId(p.partition())
                        .setLeader(MetadataDelta.NO_LEADER_CHANGE).setEligibleLeaderReplicas(List.of()));
                }
            }
        }
        return new ControllerResult<>(records, result.response());
    }

    /** Whether {@code broker} leads any partition. */
    static boolean hasLeaderships(MetadataImage image, int broker) {
        for (TopicImage t : image.topicsByName().values()) {
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() == broker) {
                    return true;
                }
            }
        }
        return false;
    }
}
