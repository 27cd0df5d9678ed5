package io.samsa.controller;

import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataLoader;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.record.PartitionRecord;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftConfig;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.raft.SimRaftChannel;
import io.samsa.raft.Snapshot;
import io.samsa.raft.SnapshotId;
import io.samsa.raft.VoterSet;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The metadata path of a cluster in the deterministic simulation: three controllers (a Raft quorum, static or
 * dynamic voters) and a broker (an observer), each with its own simulated disk, every replica feeding a
 * {@link MetadataLoader} through {@link MetadataLoaderFeed} as the broker wires it (server's BrokerMetadata); the
 * leader appends random metadata records (topics with partitions, broker configs) while nodes crash and restart,
 * the network drops, delays and partitions, replicas take snapshots of their images, and, with dynamic voters, the
 * broker is added as a voter and removed again.
 *
 * <p>Invariant, at every publish: the images published at the same offset are equal on every node and in every
 * incarnation (the same content, built from the same committed records, whether from the log or a snapshot). At
 * the end, with the network healed and every node up, every node publishes the same last image.
 */
class QuorumImageSimulationTest {
    static final int CI_SEEDS = 60;
    private static final Path DATA = Path.of("/sim/metadata");

    @Test
    void imagesBuiltFromTheSameOffsetAreEqualOnEveryNode() {
        long[] published = new long[1];
        Simulation.Summary summary = Simulation.forEachSeed("QuorumImageSimulationTest", CI_SEEDS,
            seed -> published[0] += new Run(seed).run());
        System.out.println("QuorumImageSimulationTest: " + summary.seeds() + " seeds in " + summary.elapsedMs()
            + " ms; " + published[0] + " images compared");
    }

    /** One node: a replica of the metadata log and the loader it feeds. */
    static final class Node {
        final int id;
        RaftConfig config;
        SimDisk disk;
        VoterSet formatWith;
        boolean up;
        int incarnation;
        RaftClient<Message> raft;
        MetadataLoader loader;
        final List<SimExecutor> threads = new ArrayList<>();

        Node(int id) {
            this.id = id;
        }
    }

    static final class Run {
        final Random random;
        final SimScheduler scheduler;
        final SimNetwork<SimRaftChannel.Envelope> network;
        final Map<Integer, Node> nodes = new TreeMap<>();
        final RaftLogConfig logConfig;
        final boolean dynamic;
        final long requestTimeoutMs;
        /** The first image published at each offset, by any node. */
        final Map<Long, MetadataImage> images = new TreeMap<>();
        long compared;
        int topics;

        Run(long seed) {
            random = Simulation.random(seed);
            scheduler = new SimScheduler(random, 1_700_000_000_000L);
            long maxDelay = pick(2, 10, 30);
            network = new SimNetwork<>(scheduler, new SimNetwork.Config(1, maxDelay, pick(0, 1, 5) / 100.0,
                pick(0, 1) / 100.0, random.nextBoolean()));
            int segment = pick(1024, 8192, 1 << 20);
            logConfig = new RaftLogConfig(segment, 1 << 20, 1 + random.nextInt(2), 20);
            dynamic = random.nextBoolean();
            requestTimeoutMs = 100 + 4 * maxDelay;
            List<String> bootstrap = new ArrayList<>();
            for (int id = 1; id <= 4; id++) {
                bootstrap.add(SimRaftChannel.address(id));
            }
            List<VoterSet.Voter> first = new ArrayList<>();
            for (int id = 1; id <= 4; id++) {
                Node n = new Node(id);
                RaftConfig c = RaftConfig.of(id, dynamic ? Set.of() : Set.of(1, 2, 3))
                    .withTimeouts(100, 100, 200 + 4 * maxDelay, 50, 10).withClusterId("sim-cluster");
                if (dynamic) {
                    c = c.withDynamic(new UUID(random.nextLong(), random.nextLong()), endpoints(id), bootstrap);
                    if (id <= 3) {
                        first.add(VoterSet.Voter.of(c.key(), endpoints(id)));
                    }
                }
                n.config = c;
                n.disk = new SimDisk(random, scheduler.clock()).strictNames(random.nextInt(4) == 0);
                n.disk.onCrash(() -> died(n));
                nodes.put(id, n);
            }
            if (dynamic) {
                for (int id = 1; id <= 3; id++) {
                    nodes.get(id).formatWith = VoterSet.of(first);
                }
            }
        }

        private static List<VoterSet.Endpoint> endpoints(int id) {
            return List.of(new VoterSet.Endpoint("CONTROLLER", "sim-" + id, 9093));
        }

        private int pick(int... options) {
            return options[random.nextInt(options.length)];
        }

        long run() throws Exception {
            for (Node n : nodes.values()) {
                start(n);
            }
            int steps = 150 + random.nextInt(150);
            for (int i = 0; i < steps; i++) {
                int r = random.nextInt(100);
                if (r < 45) {
                    append();
                } else if (r < 50) {
                    crash(anyNode());
                } else if (r < 58) {
                    Node n = anyNode();
                    if (!n.up) {
                        n.disk.crashAtOperation(-1);
                        start(n);
                    }
                } else if (r < 61) {
                    partition();
                } else if (r < 66) {
                    network.heal();
                } else if (r < 72) {
                    snapshot(anyNode());
                } else if (r < 74) {
                    Node n = anyNode();
                    if (n.up) {
                        n.disk.crashAtOperation(n.disk.operations() + 1 + random.nextInt(30));
                    }
                } else if (dynamic && r < 78) {
                    changeVoters();
                }
                scheduler.runFor(random.nextInt(100));
            }
            settle();
            return compared;
        }

        private Node anyNode() {
            return nodes.get(1 + random.nextInt(nodes.size()));
        }

        private void start(Node n) throws Exception {
            if (n.disk.isCrashed()) {
                n.disk.restart();
            }
            n.incarnation++;
            SimExecutor raftThread = scheduler.executor("raft-" + n.id + "." + n.incarnation);
            SimExecutor flusher = scheduler.executor("flusher-" + n.id + "." + n.incarnation);
            SimExecutor io = scheduler.executor("io-" + n.id + "." + n.incarnation);
            SimExecutor loaderThread = scheduler.executor("metadata-" + n.id + "." + n.incarnation);
            n.threads.clear();
            n.threads.addAll(List.of(raftThread, flusher, io, loaderThread));
            n.up = true;
            n.raft = null;
            SimRaftChannel channel = new SimRaftChannel(n.id, network, io, requestTimeoutMs);
            try {
                RaftLog log = RaftLog.open(DATA, logConfig, scheduler.clock(), raftThread, n.disk, flusher, flusher);
                if (n.formatWith != null && log.endOffset() == 0 && log.snapshots().isEmpty()) {
                    RaftClient.formatVoters(log, n.formatWith);
                }
                n.raft = RaftClient.quorum(n.config, log, MetadataLogSerde.INSTANCE, channel, raftThread,
                    scheduler.clock(), random);
            } catch (SimulatedCrash c) {
                return;
            }
            int incarnation = n.incarnation;
            n.loader = new MetadataLoader("sim-" + n.id + "." + incarnation, loaderThread, 10, 1000);
            n.loader.addPublisher(new MetadataPublisher() {
                @Override
                public String name() {
                    return "image-check";
                }

                @Override
                public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
                    if (n.up && n.incarnation == incarnation) {
                        check(n, image);
                    }
                    return CompletableFuture.completedFuture(null);
                }
            });
            n.raft.register(new MetadataLoaderFeed(n.loader));
        }

        /** Images of the same offset are equal everywhere. */
        private void check(Node n, MetadataImage image) {
            if (image.offset() < 0) {
                return;
            }
            MetadataImage first = images.putIfAbsent(image.offset(), image);
            if (first == null) {
                return;
            }
            compared++;
            if (!first.sameContent(image) || first.epoch() != image.epoch()) {
                throw new AssertionError("Node " + n.id + " (incarnation " + n.incarnation + ") published at offset "
                    + image.offset() + " an image unlike the first one there:\n  " + image + "\n  first: " + first);
            }
        }

        private void died(Node n) {
            n.up = false;
            for (SimExecutor t : n.threads) {
                t.kill();
            }
            network.crash(n.id);
        }

        private void crash(Node n) {
            if (n.up) {
                n.disk.crash();
            }
        }

        private Node leader() {
            for (Node n : nodes.values()) {
                if (n.up && n.raft != null && n.raft.leaderAndEpoch().isLeader(n.id)) {
                    return n;
                }
            }
            return null;
        }

        /** The controller's work on the leader: a topic with partitions, or a broker config, as one batch. */
        private void append() {
            Node leader = leader();
            if (leader == null) {
                return;
            }
            List<Message> records = new ArrayList<>();
            if (random.nextBoolean()) {
                UUID id = new UUID(random.nextLong(), random.nextLong());
                records.add(new TopicRecord().setName("topic-" + topics++).setTopicId(id));
                int partitions = 1 + random.nextInt(3);
                for (int p = 0; p < partitions; p++) {
                    int replica = 1 + random.nextInt(4);
                    records.add(new PartitionRecord().setPartitionId(p).setTopicId(id).setReplicas(List.of(replica))
                        .setIsr(List.of(replica)).setLeader(replica).setLeaderEpoch(0).setPartitionEpoch(0));
                }
            } else {
                records.add(MetadataImage.configRecord(ConfigResource.Type.BROKER, "", "log.retention.ms",
                    Long.toString(1000 + random.nextInt(100_000))));
            }
            LeaderAndEpoch l = leader.raft.leaderAndEpoch();
            try {
                leader.raft.append(l.epoch(), records);
            } catch (RuntimeException e) {
                // It stopped leading meanwhile: the records are not in the log.
            }
        }

        /** A node snapshots the image its loader published last (as the controller snapshots its image). */
        private void snapshot(Node n) {
            if (!n.up || n.raft == null || n.loader == null) {
                return;
            }
            MetadataImage image = n.loader.image();
            SnapshotId latest = n.raft.latestSnapshot();
            if (image.offset() < 0 || (latest != null && latest.endOffset() > image.offset())) {
                return;
            }
            n.raft.createSnapshot(new Snapshot<>(new SnapshotId(image.offset() + 1, image.epoch()),
                scheduler.nowMillis(), image.toRecords()));
        }

        /** With dynamic voters: the broker (node 4) is added as a voter, or removed again. */
        private void changeVoters() {
            Node leader = leader();
            if (leader == null) {
                return;
            }
            Node broker = nodes.get(4);
            if (leader.raft.voters().voter(4) == null) {
                leader.raft.addVoter("sim-cluster", VoterSet.Voter.of(broker.config.key(), endpoints(4)));
            } else {
                leader.raft.removeVoter("sim-cluster", broker.config.key());
            }
        }

        private void partition() {
            Set<Integer> a = new HashSet<>();
            Set<Integer> b = new HashSet<>();
            for (int id : nodes.keySet()) {
                (random.nextBoolean() ? a : b).add(id);
            }
            network.heal();
            network.partition(new TreeSet<>(a), new TreeSet<>(b));
        }

        /** Heals everything; every node must then publish the same last image. */
        private void settle() throws Exception {
            network.heal();
            for (Node n : nodes.values()) {
                n.disk.crashAtOperation(-1);
                if (!n.up) {
                    start(n);
                }
            }
            long deadline = scheduler.nowMillis() + 20_000;
            while (scheduler.nowMillis() < deadline) {
                scheduler.runFor(20);
                Node leader = leader();
                if (leader == null) {
                    continue;
                }
                long hw = leader.raft.highWatermark();
                boolean all = true;
                for (Node n : nodes.values()) {
                    if (!n.up || n.raft == null || n.raft.highWatermark() < hw || n.loader == null
                            || n.loader.image().offset() != leader.loader.image().offset()) {
                        all = false;
                    }
                }
                if (all && leader.loader.image().offset() >= 0) {
                    MetadataImage last = leader.loader.image();
                    for (Node n : nodes.values()) {
                        if (!n.loader.image().sameContent(last)) {
                            throw new AssertionError("Node " + n.id + " ends with " + n.loader.image() + ", the leader"
                                + " with " + last);
                        }
                    }
                    return;
                }
            }
            if (images.isEmpty()) {
                return;
            }
            StringBuilder sb = new StringBuilder();
            for (Node n : nodes.values()) {
                sb.append("\n  node ").append(n.id).append(n.up ? " up " : " down ")
                    .append(n.raft == null ? "-" : n.raft.leaderAndEpoch() + " hw " + n.raft.highWatermark())
                    .append(" image ").append(n.loader == null ? -1 : n.loader.image().offset());
            }
            throw new AssertionError("The nodes did not converge on one image within 20 s:" + sb);
        }
    }
}
