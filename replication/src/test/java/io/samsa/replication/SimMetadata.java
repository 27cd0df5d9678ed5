package io.samsa.replication;

import io.samsa.log.LogConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The cluster metadata as a simulation's controller would hold it, for one broker ({@code node}) and one other
 * ({@code other}): topics with their ids, log configs, {@code min.insync.replicas} and partition assignments, and
 * seeded changes to them (create, delete, add partitions, leadership and ISR moves, reassignment away and back,
 * config changes), each returned as the {@link HostingChange} the broker's metadata publisher would build. A
 * topic's durability ({@code flush.messages=1} or the default) is fixed for its life. Not thread-safe.
 */
final class SimMetadata {
    private static final String[] NAMES = {"orders", "events", "audit", "clicks"};

    /** One topic as the metadata states it. */
    static final class Topic {
        final String name;
        final UUID id;
        final boolean durable;
        LogConfig config;
        int minIsr = 1;
        final List<PartitionAssignment> partitions = new ArrayList<>();

        Topic(String name, UUID id, boolean durable, LogConfig config) {
            this.name = name;
            this.id = id;
            this.durable = durable;
            this.config = config;
        }

        HostingChange.Topic change(List<PartitionAssignment> changed) {
            return new HostingChange.Topic(name, id, partitions.size(), config, minIsr, changed);
        }
    }

    private final Random random;
    private final int node;
    private final int other;
    private final boolean defaultModeOnly;
    final Map<String, Topic> topics = new LinkedHashMap<>();

    SimMetadata(Random random, int node, int other, boolean defaultModeOnly) {
        this.random = random;
        this.node = node;
        this.other = other;
        this.defaultModeOnly = defaultModeOnly;
    }

    /** The config of a topic found on disk at start-up: the metadata's, or the defaults for one it no longer has. */
    LogConfig configOf(String name) {
        Topic t = topics.get(name);
        return t == null ? LogConfig.DEFAULTS : t.config;
    }

    /** Every topic and partition: what a broker applies first after start-up. */
    HostingChange wholeImage() {
        List<HostingChange.Topic> all = new ArrayList<>();
        for (Topic t : topics.values()) {
            all.add(t.change(t.partitions));
        }
        return new HostingChange(List.of(), all, true);
    }

    /** A new topic under a free name, led by this node in epoch 0; null when every name is taken. */
    HostingChange create() {
        List<String> free = new ArrayList<>();
        for (String n : NAMES) {
            if (!topics.containsKey(n)) {
                free.add(n);
            }
        }
        if (free.isEmpty()) {
            return null;
        }
        String name = free.get(random.nextInt(free.size()));
        boolean durable = !defaultModeOnly && random.nextBoolean();
        Topic t = new Topic(name, new UUID(random.nextLong(), random.nextLong()), durable, config(durable));
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            List<Integer> replicas = random.nextInt(3) == 0 ? List.of(node, other) : List.of(node);
            t.partitions.add(new PartitionAssignment(i, node, 0, 0, replicas, replicas));
        }
        topics.put(name, t);
        return new HostingChange(List.of(), List.of(t.change(t.partitions)), false);
    }

    /** A random log config; {@code flush.messages=1} when durable. Batches of the simulation fit its segments. */
    LogConfig config(boolean durable) {
        Map<String, String> props = new HashMap<>();
        if (durable) {
            props.put(LogConfig.FLUSH_MESSAGES, "1");
        }
        props.put(LogConfig.SEGMENT_BYTES, pick("1500", "4096", "65536"));
        props.put(LogConfig.SEGMENT_INDEX_BYTES, pick("96", "4096", "10485760"));
        props.put(LogConfig.INDEX_INTERVAL_BYTES, pick("0", "300", "4096"));
        props.put(LogConfig.RETENTION_BYTES, pick("-1", "-1", "4000", "30000"));
        props.put(LogConfig.RETENTION_MS, pick("-1", "-1", "3000", "60000"));
        props.put(LogConfig.FILE_DELETE_DELAY_MS, pick("0", "50", "2000"));
        return LogConfig.fromMap(props);
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    /** A seeded change of the metadata, or null when there is nothing to change. */
    HostingChange randomChange() {
        if (topics.isEmpty()) {
            return create();
        }
        List<Topic> all = new ArrayList<>(topics.values());
        Topic t = all.get(random.nextInt(all.size()));
        int r = random.nextInt(100);
        if (r < 8) {
            return create();
        }
        if (r < 14) {
            topics.remove(t.name);
            return new HostingChange(List.of(new HostingChange.Deleted(t.name, t.id)), List.of(), false);
        }
        if (r < 20) {
            int i = t.partitions.size();
            t.partitions.add(new PartitionAssignment(i, node, 0, 0, List.of(node), List.of(node)));
            return new HostingChange(List.of(), List.of(t.change(List.of(t.partitions.get(i)))), false);
        }
        if (r < 30) {
            t.config = config(t.durable);
            return new HostingChange(List.of(), List.of(t.change(List.of())), false);
        }
        if (r < 38) {
            t.minIsr = 1 + random.nextInt(2);
            return new HostingChange(List.of(), List.of(t.change(List.of())), false);
        }
        int i = random.nextInt(t.partitions.size());
        PartitionAssignment next = move(t.partitions.get(i));
        t.partitions.set(i, next);
        return new HostingChange(List.of(), List.of(t.change(List.of(next))), false);
    }

    /** A leadership, ISR or replica change of one partition, as a controller could make it. */
    private PartitionAssignment move(PartitionAssignment a) {
        int epoch = a.leaderEpoch();
        int pEpoch = a.partitionEpoch() + 1;
        List<Integer> both = List.of(node, other);
        switch (random.nextInt(6)) {
            case 0: // a new epoch, same leader (a controller failover, an unclean re-election)
                return new PartitionAssignment(a.partition(), a.leader(), epoch + 1, pEpoch, a.isr(), a.replicas());
            case 1: // the other broker leads
                return new PartitionAssignment(a.partition(), other, epoch + 1, pEpoch, both, both);
            case 2: { // this broker leads again, every replica in sync
                List<Integer> replicas = a.replicas().contains(node) ? a.replicas() : List.of(node);
                return new PartitionAssignment(a.partition(), node, epoch + 1, pEpoch, replicas, replicas);
            }
            case 3: // the ISR shrinks to the leader, or grows back to every replica
                if (a.leader() < 0) {
                    return a;
                }
                return new PartitionAssignment(a.partition(), a.leader(), epoch, pEpoch,
                        a.isr().size() > 1 ? List.of(a.leader()) : a.replicas(), a.replicas());
            case 4: // no leader (every ISR member is down)
                return new PartitionAssignment(a.partition(), -1, epoch + 1, pEpoch, a.isr(), a.replicas());
            default: // reassigned away from this broker (it stays hosted here until issue 12 stops it)
                return new PartitionAssignment(a.partition(), other, epoch + 1, pEpoch, List.of(other),
                        List.of(other));
        }
    }
}
