package io.samsa.server.partition;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionState;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker hosts. Follows the metadata image (it is the controller's
 * {@link MetadataListener}): creates a {@link Partition} and its {@link Log} (with the topic's effective
 * {@link LogConfig}) when a partition led by this node appears, applies leadership, ISR and config changes,
 * and deletes the logs of deleted topics. At start-up the {@link LogManager} has loaded every log on disk; the
 * first metadata callback (the whole image) matches them to topics and deletes the logs of topics that no
 * longer exist. Runs the retention task every {@code log.retention.check.interval.ms}.
 *
 * <p>Each partition is owned by one shard ({@link Shards}): its appends, config changes and retention run on that
 * event loop only. Threads: the metadata callback runs on the controller thread; lookups from any thread
 * (lock-free maps of immutable arrays); {@link #start} once when the event loops exist; {@link #close} once.
 */
public final class ReplicaManager implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final Partition[] NONE = new Partition[0];

    private final BrokerConfig config;
    private final LogManager logs;
    private final TopicConfigResolver topicConfigs;
    private final int nodeId;
    private final String prefix;
    /** Partitions of each hosted topic by index (null where not hosted); arrays are replaced, never changed. */
    private final Map<String, Partition[]> byName = new ConcurrentHashMap<>();
    private final Map<UUID, String> namesById = new ConcurrentHashMap<>();
    /** The log config last applied to each hosted topic's partitions (controller thread). */
    private final Map<String, LogConfig> logConfigs = new ConcurrentHashMap<>();
    private volatile Shards shards;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private ScheduledFuture<?> retentionTask;
    private boolean firstUpdate = true;

    public ReplicaManager(BrokerConfig config, LogManager logs) {
        this.config = config;
        this.logs = logs;
        this.topicConfigs = new TopicConfigResolver(config);
        this.nodeId = config.nodeId();
        this.prefix = "[node=" + nodeId + "] ";
    }

    /**
     * Attaches the shards and starts the retention task; before this, work meant for a shard runs on the caller
     * (nothing appends before the listeners are bound). Called once at start-up.
     */
    public synchronized void start(EventLoopGroup eventLoops, ScheduledExecutorService background) {
        this.shards = new Shards(eventLoops);
        long interval = config.getLong("log.retention.check.interval.ms");
        retentionTask = background.scheduleWithFixedDelay(this::runRetention, interval, interval,
                TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- lookups (any thread)

    /** The partition if this node hosts it, else null. */
    public Partition partition(String topic, int index) {
        Partition[] ps = byName.get(topic);
        return ps != null && index >= 0 && index < ps.length ? ps[index] : null;
    }

    /** The hosted topic's name for a topic id, else null. */
    public String topicName(UUID topicId) {
        return topicId == null ? null : namesById.get(topicId);
    }

    /** The latest metadata image this manager applied. */
    public MetadataImage image() {
        return image;
    }

    /** The shard owning {@code p}, or null before {@link #start}. */
    public EventLoop shardOf(Partition p) {
        Shards s = shards;
        return s == null ? null : s.shardOf(p.topic(), p.index());
    }

    /** Every hosted partition (a snapshot). */
    public java.util.List<Partition> partitions() {
        java.util.List<Partition> out = new java.util.ArrayList<>();
        for (Partition[] ps : byName.values()) {
            for (Partition p : ps) {
                if (p != null) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- metadata (controller thread)

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        try {
            for (TopicImage t : delta.deletedTopics()) {
                removeTopic(t.name(), t.id());
            }
            boolean brokerConfigsChanged = !delta.changedBrokerConfigs().isEmpty();
            for (UUID id : delta.changedTopicIds()) {
                TopicImage t = newImage.topic(id);
                if (t != null) {
                    applyTopic(t, delta.changedPartitions(id), newImage);
                }
            }
            if (brokerConfigsChanged) {
                for (String topic : byName.keySet()) {
                    TopicImage t = newImage.topic(topic);
                    if (t != null) {
                        applyConfig(t, newImage);
                    }
                }
            }
            if (firstUpdate) {
                firstUpdate = false;
                deleteOrphanLogs(newImage);
            }
        } catch (RuntimeException e) {
            log.error("{}Failed to apply metadata at offset {}", prefix, newImage.offset(), e);
        } finally {
            image = newImage;
        }
    }

    private void applyTopic(TopicImage t, Map<Integer, PartitionRegistration> changed, MetadataImage img) {
        Map<String, String> effective = topicConfigs.effective(img, t.name());
        LogConfig logConfig = LogConfig.fromMap(effective);
        int minIsr = parseInt(effective.get("min.insync.replicas"), 1);
        namesById.put(t.id(), t.name());
        Partition[] current = byName.getOrDefault(t.name(), NONE);
        Partition[] next = current.length >= t.numPartitions() ? current.clone()
                : Arrays.copyOf(current, t.numPartitions());
        boolean grew = false;
        for (Map.Entry<Integer, PartitionRegistration> e : changed.entrySet()) {
            PartitionRegistration reg = e.getValue();
            int idx = e.getKey();
            if (!reg.replicas().contains(nodeId) && reg.leader() != nodeId) {
                continue;
            }
            PartitionState state = new PartitionState(reg.leader(), reg.leaderEpoch(), reg.isr(), reg.replicas());
            Partition p = idx < next.length ? next[idx] : null;
            if (p == null || !p.topicId().equals(t.id())) {
                Log l = logs.getOrCreate(t.name(), idx, logConfig);
                p = new Partition(t.name(), idx, t.id(), l, nodeId, state, minIsr);
                if (!logConfig.equals(l.config())) {
                    // A log loaded from disk at start-up got the config known then.
                    updateLogConfig(p, logConfig);
                }
                next[idx] = p;
                grew = true;
                log.debug("{}Hosting {} (leader {} epoch {}, log end {})", prefix, p.name(), reg.leader(),
                        reg.leaderEpoch(), l.logEndOffset());
            } else {
                p.update(state, minIsr);
            }
        }
        if (grew || current.length != next.length) {
            byName.put(t.name(), next);
        }
        boolean configChanged = logConfigChanged(t.name(), logConfig);
        for (Partition p : next) {
            if (p != null) {
                p.update(p.state(), minIsr);
                if (configChanged) {
                    updateLogConfig(p, logConfig);
                }
            }
        }
    }

    private void applyConfig(TopicImage t, MetadataImage img) {
        Map<String, String> effective = topicConfigs.effective(img, t.name());
        LogConfig logConfig = LogConfig.fromMap(effective);
        int minIsr = parseInt(effective.get("min.insync.replicas"), 1);
        boolean configChanged = logConfigChanged(t.name(), logConfig);
        for (Partition p : byName.getOrDefault(t.name(), NONE)) {
            if (p != null) {
                p.update(p.state(), minIsr);
                if (configChanged) {
                    updateLogConfig(p, logConfig);
                }
            }
        }
    }

    private void updateLogConfig(Partition p, LogConfig cfg) {
        onShard(p, () -> p.log().updateConfig(cfg));
    }

    /**
     * Records {@code cfg} as the log config of {@code topic}; true when it differs from the last one applied (then
     * every hosted partition's log needs it). Controller thread.
     */
    private boolean logConfigChanged(String topic, LogConfig cfg) {
        LogConfig previous = logConfigs.put(topic, cfg);
        if (cfg.equals(previous)) {
            return false;
        }
        if (previous != null) {
            log.info("{}Log config of {} is now {}", prefix, topic, cfg);
        }
        return true;
    }

    private void removeTopic(String name, UUID id) {
        Partition[] ps = byName.get(name);
        namesById.remove(id);
        logConfigs.remove(name);
        if (ps == null) {
            return;
        }
        byName.remove(name);
        for (Partition p : ps) {
            if (p == null) {
                continue;
            }
            // Stop the writer first (on its shard), then delete the log here, before a topic of the same name
            // can be created again by a later record.
            awaitOnShard(p, p::markDeleted);
            try {
                logs.delete(p.topic(), p.index());
                log.info("{}Deleted the log of {}", prefix, p.name());
            } catch (IOException e) {
                log.error("{}Failed to delete the log of {}", prefix, p.name(), e);
            }
        }
    }

    private void deleteOrphanLogs(MetadataImage img) {
        if (img.clusterId() == null) {
            return;
        }
        for (Log l : logs.logs()) {
            String n = l.name();
            int dash = n.lastIndexOf('-');
            String topic = n.substring(0, dash);
            int idx = Integer.parseInt(n.substring(dash + 1));
            TopicImage t = img.topic(topic);
            if (t == null || t.partition(idx) == null) {
                log.warn("{}Deleting the log of {}: its topic or partition no longer exists", prefix, n);
                try {
                    logs.delete(topic, idx);
                } catch (IOException e) {
                    log.error("{}Failed to delete the orphan log {}", prefix, n, e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- shards

    /** Runs {@code task} on the partition's shard (or here before start-up). */
    public void onShard(Partition p, Runnable task) {
        EventLoop shard = shardOf(p);
        if (shard == null || shard.inEventLoop()) {
            task.run();
        } else {
            shard.execute(task);
        }
    }

    private void awaitOnShard(Partition p, Runnable task) {
        EventLoop shard = shardOf(p);
        if (shard == null || shard.inEventLoop() || shard.isShuttingDown()) {
            task.run();
            return;
        }
        try {
            shard.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.error("{}Failed to stop {} on its shard", prefix, p.name(), e.getCause());
        }
    }

    private void runRetention() {
        for (Partition p : partitions()) {
            onShard(p, () -> {
                try {
                    if (!p.isDeleted() && !p.log().isOffline()) {
                        p.log().deleteOldSegments(p.highWatermark());
                        p.log().removeExpiredProducers();
                    }
                } catch (RuntimeException e) {
                    log.error("{}Retention failed for {}", prefix, p.name(), e);
                }
            });
        }
    }

    private static int parseInt(String s, int dflt) {
        try {
            return s == null ? dflt : Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    @Override
    public synchronized void close() {
        if (retentionTask != null) {
            retentionTask.cancel(false);
        }
    }

    BrokerConfig config() {
        return config;
    }

    LogManager logs() {
        return logs;
    }
}
