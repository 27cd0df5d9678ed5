package io.samsa.replication;

import io.samsa.common.Clock;
import io.samsa.common.SerialExecutor;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker hosts. {@link #apply} takes a {@link HostingChange} (built by {@code server} from the
 * metadata) and creates each new {@link Partition} with its {@link io.samsa.log.Log} (through the
 * {@link LogManager}, with the topic's {@link LogConfig}), applies leadership, ISR, replicas,
 * {@code min.insync.replicas} and log config changes, deletes the partitions and logs of deleted topics, and after
 * the first whole-image change deletes the logs on disk of partitions that no longer exist. It also runs retention
 * ({@link Retention}) on every partition's shard.
 *
 * <p>Threads. {@link #apply} never blocks its caller: the change runs on the hosting executor (a background
 * {@link SerialExecutor} where file I/O is allowed: log creation and deletion happen there, never on an event
 * loop), one change at a time in the order they were applied; partition state changes go to each partition's shard
 * through the {@link ShardProxy}. The returned future completes, on the hosting executor, once every shard has
 * applied its part; it fails (after applying what it could) when a log could not be created or deleted, so that the
 * caller can retry the change. Lookups ({@link #partition}, {@link #topicName}, {@link #partitions}) are lock-free
 * from any thread: maps of immutable arrays, replaced on change.
 *
 * <p>Lifecycle: create, {@link #start} (retention), {@link #apply} for every change, {@link #close}.
 */
public final class ReplicaManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final Partition[] NONE = new Partition[0];

    private final int nodeId;
    private final LogManager logs;
    private final ShardProxy shards;
    private final SerialExecutor hosting;
    private final String prefix;
    private final Retention retention;
    private final AlterPartitionChannel alterPartition;
    /** Partitions of each hosted topic by index (null where not hosted); arrays are replaced, never changed. */
    private final Map<String, Partition[]> byName = new ConcurrentHashMap<>();
    private final Map<UUID, String> namesById = new ConcurrentHashMap<>();
    /** The log config last applied to each hosted topic's partitions (hosting executor only). */
    private final Map<String, LogConfig> logConfigs = new HashMap<>();
    /** Changes waiting for the one being applied (hosting executor only). */
    private final ArrayDeque<HostingRun> queue = new ArrayDeque<>();
    /** The futures of changes not yet applied: {@link #close} fails them, so that no caller waits for nothing. */
    private final Set<CompletableFuture<Void>> unfinished = ConcurrentHashMap.newKeySet();
    private Clock clock = Clock.SYSTEM;
    private long replicaLagTimeMaxMs = Partition.DEFAULT_REPLICA_LAG_TIME_MAX_MS;
    private IsrEligibility isrEligibility = IsrEligibility.ANY;
    /** Told after each applied change (the replica fetchers follow leadership); hosting executor. */
    private final List<Runnable> hostingListeners = new CopyOnWriteArrayList<>();
    private boolean applying;
    private boolean orphansChecked;
    private volatile boolean closed;

    /**
     * @param nodeId                   this broker
     * @param logs                     the data directory's logs (loaded from disk at start-up)
     * @param shards                   the shards that own partitions
     * @param hosting                  a background executor where file I/O is allowed (never an event loop)
     * @param retentionCheckIntervalMs how often retention runs ({@code log.retention.check.interval.ms})
     */
    public ReplicaManager(int nodeId, LogManager logs, ShardProxy shards, SerialExecutor hosting,
                          long retentionCheckIntervalMs) {
        this(nodeId, logs, shards, hosting, retentionCheckIntervalMs, AlterPartitionChannel.UNAVAILABLE);
    }

    /**
     * As the five-argument constructor, with the channel through which leaders change their partitions' ISR
     * ({@link AlterPartitionChannel}).
     */
    public ReplicaManager(int nodeId, LogManager logs, ShardProxy shards, SerialExecutor hosting,
                          long retentionCheckIntervalMs, AlterPartitionChannel alterPartition) {
        this.nodeId = nodeId;
        this.alterPartition = alterPartition;
        this.logs = logs;
        this.shards = shards;
        this.hosting = hosting;
        this.prefix = "[node=" + nodeId + "] ";
        this.retention = new Retention(this, hosting, retentionCheckIntervalMs);
    }

    /**
     * The leaders' settings (issue 12): the clock of follower fetch and caught-up times and
     * {@code replica.lag.time.max.ms} (each leader checks its ISR every half of it on its shard). Before the first
     * {@link #apply}; defaults: the system clock, 30 s.
     */
    public ReplicaManager isrSettings(Clock isrClock, long lagTimeMaxMs) {
        this.clock = isrClock;
        this.replicaLagTimeMaxMs = lagTimeMaxMs;
        return this;
    }

    /**
     * Which followers the leaders may add to an ISR, from this broker's metadata ({@link IsrEligibility}, KIP-841).
     * Before the first {@link #apply}; default: {@link IsrEligibility#ANY} (the controller's refusal alone).
     */
    public ReplicaManager isrEligibility(IsrEligibility eligibility) {
        this.isrEligibility = eligibility;
        return this;
    }

    IsrEligibility isrEligibility() {
        return isrEligibility;
    }

    // ---------------------------------------------------------------- replication throttles (issue 12, part 5)

    private volatile ReplicationQuota leaderQuota = ReplicationQuota.unbounded();
    private volatile ReplicationQuota followerQuota = ReplicationQuota.unbounded();

    /** Kafka's replication throttles: the leader's and the follower's quota. Before {@link #start()}. */
    public ReplicaManager replicationQuotas(ReplicationQuota leader, ReplicationQuota follower) {
        this.leaderQuota = leader;
        this.followerQuota = follower;
        return this;
    }

    /** {@code leader.replication.throttled.rate} and the partitions it applies to here. */
    public ReplicationQuota leaderQuota() {
        return leaderQuota;
    }

    /** {@code follower.replication.throttled.rate} and the partitions it applies to here. */
    public ReplicationQuota followerQuota() {
        return followerQuota;
    }

    /** Starts the retention task. Once. */
    public void start() {
        retention.start();
    }

    // ---------------------------------------------------------------- hosting

    /**
     * Applies {@code change} after every change applied before it. Any thread; never blocks. The future completes
     * once every partition's shard has applied its part, or fails with the first error (the rest suppressed) after
     * the change was applied as far as it could be; applying it again is safe.
     */
    public CompletableFuture<Void> apply(HostingChange change) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("The replica manager of node " + nodeId
                    + " is closed"));
            return done;
        }
        HostingRun run = new HostingRun(this, change, done);
        unfinished.add(done);
        done.whenComplete((v, e) -> unfinished.remove(done));
        if (closed) {
            close();
            return done;
        }
        hosting.execute(() -> {
            queue.add(run);
            if (!applying) {
                applyNext();
            }
        });
        return done;
    }

    /** Hosting executor: starts the next queued change, if any (called again by each change when it ends). */
    void applyNext() {
        HostingRun next = closed ? null : queue.poll();
        applying = next != null;
        if (next != null) {
            next.start();
        }
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

    /** Every hosted partition (a snapshot). */
    public List<Partition> partitions() {
        List<Partition> out = new ArrayList<>();
        for (Partition[] ps : byName.values()) {
            for (Partition p : ps) {
                if (p != null) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The names of the topics with a hosted partition (a snapshot). */
    public Set<String> hostedTopics() {
        return Set.copyOf(byName.keySet());
    }

    /** The shards, for handing work to a partition's thread. */
    public ShardProxy shards() {
        return shards;
    }

    public int nodeId() {
        return nodeId;
    }

    Clock clock() {
        return clock;
    }

    long replicaLagTimeMaxMs() {
        return replicaLagTimeMaxMs;
    }

    /** The channel through which this broker's leaders change their partitions' ISR. */
    public AlterPartitionChannel alterPartitionChannel() {
        return alterPartition;
    }

    // ---------------------------------------------------------------- follower fetching

    /**
     * Runs {@code listener} on the hosting executor after each change has been applied on every shard (whether it
     * succeeded or not): the replica fetchers ({@link ReplicaFetcherManager}) read the partitions' leadership then.
     */
    public void addHostingListener(Runnable listener) {
        hostingListeners.add(listener);
    }

    /** Hosting executor: a change was applied. */
    void hostingApplied() {
        for (Runnable l : hostingListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.error("{}A hosting listener failed", prefix, e);
            }
        }
    }

    // ---------------------------------------------------------------- for HostingRun (hosting executor)

    LogManager logs() {
        return logs;
    }

    SerialExecutor hostingExecutor() {
        return hosting;
    }

    String logPrefix() {
        return prefix;
    }

    Partition[] partitionsOf(String topic) {
        return byName.getOrDefault(topic, NONE);
    }

    void publish(String topic, UUID id, Partition[] partitions) {
        namesById.put(id, topic);
        byName.put(topic, partitions);
    }

    /** Stops publishing {@code topic}; returns its partitions (maybe none). */
    Partition[] unpublish(String topic, UUID id) {
        namesById.remove(id);
        logConfigs.remove(topic);
        Partition[] ps = byName.remove(topic);
        return ps == null ? NONE : ps;
    }

    /** Records {@code cfg} as {@code topic}'s log config; true when it differs from the one applied before. */
    boolean logConfigChanged(String topic, LogConfig cfg) {
        LogConfig previous = logConfigs.put(topic, cfg);
        if (cfg.equals(previous)) {
            return false;
        }
        if (previous != null) {
            log.info("{}Log config of {} is now {}", prefix, topic, cfg);
        }
        return true;
    }

    /** True exactly once: the first whole-image change checks for orphan logs. */
    boolean takeOrphanCheck() {
        if (orphansChecked) {
            return false;
        }
        orphansChecked = true;
        return true;
    }

    /**
     * Stops the retention task; later changes fail, and so do the futures of changes not applied yet (the hosting
     * executor may stop before it gets to them). Partitions and logs stay as they are (the owner closes them).
     */
    @Override
    public void close() {
        closed = true;
        retention.stop();
        // Operations parked on the partitions (followers' long polls above all) finish now, while the event loops
        // that answer them still run: else their requests' buffers stay held when the loops stop.
        for (Partition p : partitions()) {
            p.abandonWatchers();
        }
        for (CompletableFuture<Void> f : unfinished) {
            f.completeExceptionally(new IllegalStateException("The replica manager of node " + nodeId
                    + " closed before the change was applied"));
        }
    }
}
