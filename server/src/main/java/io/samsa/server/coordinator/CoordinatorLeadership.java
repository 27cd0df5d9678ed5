package io.samsa.server.coordinator;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions of a coordinator's internal topic this broker leads, followed from the metadata image, told to
 * the coordinator as it changes: {@code onElection(partition, leaderEpoch)} when this broker becomes a partition's
 * leader or leads it in a newer epoch (the coordinator loads it, or reloads it: the log may have changed under
 * another leader in between), {@code onResignation(partition, -1)} when it stops (a follower now, no longer a
 * replica, no leader, or the topic deleted; the coordinator unloads it). The coordinator's runtime orders the loads
 * and unloads of a partition in the order they are told here, which is the image's commit order.
 *
 * <p>Registered as a metadata listener after partition hosting, so a partition is hosted with its new leadership
 * before its coordinator loads it. Called on the broker's metadata executor, one image at a time; not thread-safe
 * otherwise.
 */
final class CoordinatorLeadership implements MetadataListener {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorLeadership.class);

    /** A coordinator's {@code onElection(partition, leaderEpoch)} (called on the metadata thread). */
    interface Election {
        void onElection(int partition, int leaderEpoch);
    }

    /** A coordinator's {@code onResignation(partition, leaderEpoch)}; -1: whatever the epoch (metadata thread). */
    interface Resignation {
        void onResignation(int partition, int leaderEpoch);
    }

    private final int nodeId;
    private final String topic;
    private final String name;
    private final Election election;
    private final Resignation resignation;
    /** Partition -> the leader epoch this broker was told to load it in. */
    private final Map<Integer, Integer> led = new HashMap<>();
    /** The id of the topic {@link #led} belongs to, null before it exists. */
    private UUID topicId;

    CoordinatorLeadership(int nodeId, String topic, String name, Election election, Resignation resignation) {
        this.nodeId = nodeId;
        this.topic = topic;
        this.name = name;
        this.election = election;
        this.resignation = resignation;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        TopicImage t = image.topic(topic);
        if (t == null || !t.id().equals(topicId)) {
            // Deleted, or deleted and created again: nothing loaded from the old topic's partitions stands.
            resignAll();
            topicId = t == null ? null : t.id();
        }
        Map<Integer, Integer> now = new HashMap<>();
        if (t != null) {
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() == nodeId) {
                    now.put(p.partition(), p.leaderEpoch());
                }
            }
        }
        // Resignations first: a partition that moves away and another that moves here in one image free memory
        // before they take it.
        for (Map.Entry<Integer, Integer> e : led.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                log.debug("[node={}] {}: no longer the leader of {}-{} (was in epoch {})", nodeId, name, topic,
                        e.getKey(), e.getValue());
                resignation.onResignation(e.getKey(), -1);
            }
        }
        for (Map.Entry<Integer, Integer> e : now.entrySet()) {
            Integer before = led.get(e.getKey());
            if (before == null || before < e.getValue()) {
                log.debug("[node={}] {}: the leader of {}-{} in epoch {}", nodeId, name, topic, e.getKey(),
                        e.getValue());
                election.onElection(e.getKey(), e.getValue());
            }
        }
        if (!now.equals(led)) {
            log.info("[node={}] {} leads {} partitions of {}", nodeId, name, now.size(), topic);
        }
        led.clear();
        led.putAll(now);
    }

    private void resignAll() {
        for (Integer partition : led.keySet()) {
            resignation.onResignation(partition, -1);
        }
        led.clear();
    }

    /** The partitions this broker leads now, by leader epoch (tests). */
    Map<Integer, Integer> led() {
        return Map.copyOf(led);
    }
}
