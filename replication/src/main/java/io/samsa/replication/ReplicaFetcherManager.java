package io.samsa.replication;

import io.samsa.common.SerialExecutor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follower's side of replication: which partitions this broker follows and from whom. After every hosting change
 * ({@link ReplicaManager#addHostingListener}) it reads each hosted partition's leadership: a partition led by another
 * broker and replicated here ({@link Partition#isFollower()}) is fetched by the {@link ReplicaFetcher} for its leader
 * ({@code num.replica.fetchers} per source broker, chosen by a hash of topic and partition, as Kafka does); a
 * partition that this broker now leads, no longer replicates, that was deleted, or whose leader changed leaves its
 * fetcher (and joins the new leader's, with the new leader epoch); a new leader epoch of the same leader is taken
 * over in place. A fetcher left with no partitions stops. Nothing is fetched while no partition is followed (one node
 * alone never sends).
 *
 * <p>Threads: the fetchers' state lives on one {@link SerialExecutor} ({@code io}, never blocked); responses come back
 * on the broker channel's network threads and are handed to it; partition writes (appends, truncation, the follower's
 * high watermark and log start) run on each partition's shard through the {@link ShardProxy}. Thread-safe: every
 * public method hands its work to {@code io}.
 */
public final class ReplicaFetcherManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcherManager.class);

    /**
     * Kafka's follower settings: {@code num.replica.fetchers}, {@code replica.fetch.max.bytes} (per partition),
     * {@code replica.fetch.response.max.bytes}, {@code replica.fetch.wait.max.ms}, {@code replica.fetch.min.bytes},
     * {@code replica.fetch.backoff.ms}; and the versions of Fetch and ListOffsets sent to leaders.
     */
    public record Settings(int numFetchers, int maxBytes, int responseMaxBytes, int maxWaitMs, int minBytes,
                           long backoffMs, short fetchVersion, short listOffsetsVersion) {
        public Settings {
            if (numFetchers < 1) {
                throw new IllegalArgumentException("num.replica.fetchers must be at least 1: " + numFetchers);
            }
        }

        /** Kafka's defaults; Fetch v17 (KIP-903 broker epochs, KIP-516 topic ids), ListOffsets v7. */
        public static Settings defaults() {
            return new Settings(1, 1_048_576, 10_485_760, 500, 1, 1000, (short) 17, (short) 7);
        }
    }

    /** A fetcher's identity: its source broker and its index among that broker's fetchers. */
    record FetcherKey(int leader, int fetcherId) {
    }

    private final ReplicaManager replicas;
    private final BrokerChannel channel;
    private final SerialExecutor io;
    private final LongSupplier brokerEpoch;
    private final Settings settings;
    /** io only. */
    private final Map<FetcherKey, ReplicaFetcher> fetchers = new LinkedHashMap<>();
    /** io only: the fetcher of each followed partition. */
    private final Map<Partition, ReplicaFetcher> owners = new IdentityHashMap<>();
    private volatile boolean closed;
    /** Truncations by every fetcher so far (io; tests and metrics). */
    long truncations;

    /**
     * @param replicas    the hosted partitions (this broker's node id)
     * @param channel     requests to other brokers (the inter-broker listener)
     * @param io          the fetchers' executor (never blocked)
     * @param brokerEpoch this broker's epoch as registered with the controller (KIP-903), -1 while unknown
     * @param settings    Kafka's follower settings
     */
    public ReplicaFetcherManager(ReplicaManager replicas, BrokerChannel channel, SerialExecutor io,
                                 LongSupplier brokerEpoch, Settings settings) {
        this.replicas = replicas;
        this.channel = channel;
        this.io = io;
        this.brokerEpoch = brokerEpoch;
        this.settings = settings;
    }

    /** Follows the hosting changes from now on, starting with the partitions hosted now. Once. */
    public void start() {
        replicas.addHostingListener(this::leadershipChanged);
        leadershipChanged();
    }

    /** Reads the partitions' leadership again (after a hosting change). Any thread. */
    public void leadershipChanged() {
        io.execute(this::reconcile);
    }

    /** io: moves partitions between fetchers to match their leadership now. */
    private void reconcile() {
        if (closed) {
            return;
        }
        Set<Partition> following = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Partition p : replicas.partitions()) {
            PartitionState s = p.state();
            if (!p.isFollower()) {
                continue;
            }
            following.add(p);
            FetcherKey key = new FetcherKey(s.leader(), fetcherId(p));
            ReplicaFetcher current = owners.get(p);
            if (current != null && current.key().equals(key)) {
                current.updateEpoch(p, s.leaderEpoch());
                continue;
            }
            if (current != null) {
                current.remove(p);
            }
            ReplicaFetcher f = fetchers.computeIfAbsent(key, k -> new ReplicaFetcher(this, k));
            owners.put(p, f);
            log.info("[node={}] Following {} from broker {} in leader epoch {} (log end {})", replicas.nodeId(),
                    p.name(), s.leader(), s.leaderEpoch(), p.logEndOffset());
            f.add(p, s.leaderEpoch());
        }
        for (Iterator<Map.Entry<Partition, ReplicaFetcher>> it = owners.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Partition, ReplicaFetcher> e = it.next();
            if (!following.contains(e.getKey())) {
                log.info("[node={}] No longer following {} from broker {}", replicas.nodeId(), e.getKey().name(),
                        e.getValue().key().leader());
                e.getValue().remove(e.getKey());
                it.remove();
            }
        }
        for (Iterator<ReplicaFetcher> it = fetchers.values().iterator(); it.hasNext(); ) {
            ReplicaFetcher f = it.next();
            if (f.isEmpty()) {
                f.stop();
                it.remove();
            }
        }
    }

    /** Kafka's choice of a partition's fetcher among a source broker's {@code num.replica.fetchers}. */
    private int fetcherId(Partition p) {
        return Math.floorMod(31 * p.topic().hashCode() + p.index(), settings.numFetchers());
    }

    /** Stops every fetcher; responses still in flight are dropped (and released). Idempotent; never blocks. */
    @Override
    public void close() {
        closed = true;
        io.execute(() -> {
            for (ReplicaFetcher f : fetchers.values()) {
                f.stop();
            }
            fetchers.clear();
            owners.clear();
        });
    }

    // ---------------------------------------------------------------- for the fetchers and tests

    int nodeId() {
        return replicas.nodeId();
    }

    ShardProxy shards() {
        return replicas.shards();
    }

    BrokerChannel channel() {
        return channel;
    }

    SerialExecutor io() {
        return io;
    }

    long brokerEpoch() {
        return brokerEpoch.getAsLong();
    }

    Settings settings() {
        return settings;
    }

    /** The follower's replication throttle ({@code follower.replication.throttled.rate}). */
    ReplicationQuota followerQuota() {
        return replicas.followerQuota();
    }

    boolean isClosed() {
        return closed;
    }

    /** The running fetchers (a snapshot; io, or a test's thread when io is idle). */
    List<ReplicaFetcher> fetchers() {
        return new ArrayList<>(fetchers.values());
    }

    /** The source broker of each followed partition by name (a snapshot; io, or a test's thread when io is idle). */
    Map<String, Integer> followed() {
        Map<String, Integer> out = new HashMap<>();
        for (Map.Entry<Partition, ReplicaFetcher> e : owners.entrySet()) {
            out.put(e.getKey().name(), e.getValue().key().leader());
        }
        return out;
    }
}
