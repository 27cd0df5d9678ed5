package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The partition changes that follow a broker's state: when a broker leaves (fenced, in controlled shutdown,
 * registered again by a new process, unregistered) it leaves every ISR (but the last place of one) and leadership
 * moves to another ISR member; when a broker becomes usable, the partitions without a leader that it can lead get
 * it as leader. Unclean election ({@code unclean.leader.election.enable}, per topic) lets a replica outside the ISR
 * lead a partition no ISR member can lead. Stateless apart from the static properties; the controller's executor.
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

    /** Topics in name order, so that the records of one change come in a reproducible order. */
    static List<TopicImage> topics(MetadataImage image) {
        List<TopicImage> out = new ArrayList<>(image.topicsByName().values());
        out.sort(Comparator.comparing(TopicImage::name));
        return out;
    }

    /** Moves leadership and ISR membership off {@code broker}, which can no longer lead. */
    void leaving(MetadataImage image, int broker, List<Message> out) {
        IntPredicate usable = b -> b != broker && usable(image, b);
        for (TopicImage t : topics(image)) {
            Boolean unclean = null;
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() != broker && !p.isr().contains(broker)) {
                    continue;
                }
                if (unclean == null) {
                    unclean = uncleanAllowed(image, t);
                }
                PartitionChangeRecord r = new PartitionChange(t.id(), p, usable).removeFromIsr(broker)
                    .uncleanAllowed(unclean).build();
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
                if (!p.isr().contains(broker) && !unclean) {
                    continue;
                }
                PartitionChangeRecord r = new PartitionChange(t.id(), p, usable).uncleanAllowed(unclean).build();
                if (r != null) {
                    out.add(r);
                }
            }
        }
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
