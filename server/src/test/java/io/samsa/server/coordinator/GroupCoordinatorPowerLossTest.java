package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.group.GroupShard;
import io.samsa.log.FileForcer;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.replication.HostingChange;
import io.samsa.replication.PartitionAssignment;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The group coordinator's state across power loss: a {@code __consumer_offsets} partition in durable mode
 * ({@code flush.messages=1}) on a {@link SimDisk}, written by the real {@link GroupCoordinator} through
 * {@link PartitionCoordinatorIo} (replication's {@code Partition.appendAsCoordinator} and {@code DelayedProduce}
 * with acks=all on the partition's shard), every thread a simulated executor (the shard, the replica manager's
 * hosting, the log's flusher, its timer and its deleter, the coordinator's event thread, the loader). A workload of
 * simple offset commits (with metadata), OffsetDelete, DeleteGroups, offset expiry (tombstones) and KIP-848 consumer
 * groups joining and leaving runs one request at a time until the disk crashes at a seeded operation (or between
 * requests); the next life recovers the log (a crash may hit the recovery, the hosting or the load too), replays the
 * partition into a fresh coordinator and compares. The coordinator replays a write's records into its state as it
 * appends them, and its log keeps a prefix after a crash, so the state after each request (the shard's
 * {@link GroupShard#describeState}) is the model: the recovered state must equal the state after some request at or
 * after the last one acknowledged (every acknowledged commit there with its value and metadata, every deletion and
 * expiry before it applied, nothing that was never written); and every acknowledged commit that no later request
 * touched is fetched back with its value through OffsetFetch.
 *
 * <p>Two controls: without fsync the recovered state falls behind acknowledged requests; a loader that drops
 * tombstones brings deleted offsets back. {@code mvn verify} runs {@value #CI_SEEDS} seeds; {@code -Psim} thousands;
 * {@code -Dsim.seed=N} replays one.
 */
class GroupCoordinatorPowerLossTest {
    static final int CI_SEEDS = 80;
    private static final long T0 = 1_700_000_000_000L;
    private static final Path DATA = Path.of("/data");
    private static final String TOPIC = GroupCoordinator.TOPIC;
    private static final UUID TOPIC_ID = new UUID(5, 6);
    private static final int LIVES = 4;
    private static final int STEPS = 30;
    private static final int CONTROL_SEEDS = 40;
    private static final RequestMeta V8 = new RequestMeta((short) 8, "client", "/127.0.0.1");
    private static final GroupCoordinatorConfig CONFIG = GroupCoordinatorConfig.fromMap(Map.of(
            "offsets.topic.num.partitions", "1",
            "group.initial.rebalance.delay.ms", "0",
            "offsets.retention.minutes", "1",
            "offsets.retention.check.interval.ms", "86400000",
            "group.consumer.session.timeout.ms", "3600000",
            "group.consumer.heartbeat.interval.ms", "1000"));
    private static final FileForcer NO_FSYNC = new FileForcer() {
        @Override
        public void force(FileChannel channel, Path file) {
        }

        @Override
        public void forceDirectory(Path dir) {
        }
    };
    /**
     * Buffers a crash abandons are never released: a batch built for the partition's shard dies with the shard's
     * queue, as it would with the process. Not tracked by the leak detector, which would blame the dead life.
     */
    private static final UnpooledByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);
    private static final TopicMetadata NO_TOPICS = new TopicMetadata() {
        @Override
        public Topic topic(String name) {
            return null;
        }

        @Override
        public Topic topic(UUID id) {
            return null;
        }

        @Override
        public Collection<Topic> topics() {
            return List.of();
        }
    };

    private enum Sabotage { NONE, NO_FSYNC, DROP_TOMBSTONES }

    @Test
    void acknowledgedGroupStateSurvivesPowerLoss() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = Simulation.forEachSeed("GroupCoordinatorPowerLossTest", CI_SEEDS, seed -> {
            String failure = new Run(seed, Sabotage.NONE, coverage).run();
            if (failure != null) {
                throw new AssertionError(failure);
            }
        });
        System.out.println("GroupCoordinatorPowerLossTest: " + summary.seeds() + " seeds in " + summary.elapsedMs()
                + " ms, " + coverage);
        if (summary.seeds() >= 40) {
            coverage.assertCovered();
        }
    }

    @Test
    void controlWithoutFsyncAcknowledgedCommitsAreLost() {
        assertTrue(someSeedFails(Sabotage.NO_FSYNC),
                "without fsync a power loss must lose acknowledged commits, else the check proves nothing");
    }

    @Test
    void controlALoaderThatDropsTombstonesBringsDeletedOffsetsBack() {
        assertTrue(someSeedFails(Sabotage.DROP_TOMBSTONES),
                "a replay without tombstones must be caught, else the check does not look at deletions");
    }

    private static boolean someSeedFails(Sabotage sabotage) {
        for (long seed = 1; seed <= CONTROL_SEEDS; seed++) {
            try {
                String failure = new Run(seed, sabotage, new Coverage()).run();
                if (failure != null) {
                    System.out.println("GroupCoordinatorPowerLossTest control " + sabotage + ": " + failure);
                    return true;
                }
            } catch (AssertionError e) {
                System.out.println("GroupCoordinatorPowerLossTest control " + sabotage + ": " + e);
                return true;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return false;
    }

    /** Where the crashes fell, and how much was checked. */
    static final class Coverage {
        final TreeMap<String, Integer> points = new TreeMap<>();
        long crashes;
        long acked;
        long requests;
        long laterStates;

        void record(SimDisk.CrashPoint at, String phase) {
            crashes++;
            String key = at == null ? "between requests" : at.op() + " " + kind(at.path());
            points.merge(phase + ": " + key, 1, Integer::sum);
        }

        static String kind(Path p) {
            String n = p.getFileName().toString();
            if (n.contains("checkpoint")) {
                return n.endsWith(".tmp") ? "checkpoint.tmp" : "checkpoint";
            }
            if (!n.contains(".") || n.startsWith(TOPIC)) {
                return "directory";
            }
            return n.substring(n.indexOf('.'));
        }

        void assertCovered() {
            for (String w : List.of("workload: WRITE .log", "workload: FORCE .log", "workload: CREATE .log",
                    "workload: CREATE .snapshot", "workload: WRITE checkpoint.tmp", "workload: between requests",
                    "recovery:")) {
                assertTrue(points.keySet().stream().anyMatch(k -> k.startsWith(w)), "no crash at " + w + ": "
                        + points);
            }
            assertTrue(laterStates > 0, "no unacknowledged request ever survived a crash: " + this);
        }

        @Override
        public String toString() {
            return crashes + " crashes, " + requests + " requests, " + acked + " acknowledged, " + laterStates
                    + " recoveries found an unacknowledged request's state; " + points;
        }
    }

    /** One life of the broker: its threads, its log manager, replica manager and coordinator. */
    private static final class Life {
        final List<SimExecutor> all = new ArrayList<>();
        final SimExecutor shard;
        final SimExecutor hosting;
        final SimExecutor flusher;
        final SimExecutor flusherTimer;
        final SimExecutor deleter;
        final SimExecutor events;
        final SimExecutor loader;
        LogManager logs;
        ReplicaManager replicas;
        GroupCoordinator coordinator;

        Life(SimScheduler s, int n) {
            shard = add(s, "shard-" + n);
            hosting = add(s, "hosting-" + n);
            flusher = add(s, "flusher-" + n);
            flusherTimer = add(s, "flusher-timer-" + n);
            deleter = add(s, "deleter-" + n);
            events = add(s, "coordinator-" + n);
            loader = add(s, "loader-" + n);
        }

        private SimExecutor add(SimScheduler s, String name) {
            SimExecutor e = s.executor(name);
            all.add(e);
            return e;
        }

        void kill() {
            all.forEach(SimExecutor::kill);
        }
    }

    /** One request of the workload: what it was, the state right after its event, whether it was answered. */
    private static final class Request {
        final String what;
        String stateAfter;
        boolean acked;
        /** A commit's key and value, for the OffsetFetch check. */
        String key;
        long offset = -1;
        String metadata;

        Request(String what) {
            this.what = what;
        }

        @Override
        public String toString() {
            return what + (acked ? " (acked)" : "");
        }
    }

    private static final class Run {
        final long seed;
        final Sabotage sabotage;
        final Coverage coverage;
        final SimScheduler scheduler;
        final SimDisk disk;
        final Random random;
        final LogConfig logConfig;
        final List<String> groups = List.of("g0", "g1", "g2", "g3");
        final List<String> topics = List.of("orders", "payments");
        /** Members of the consumer groups, as the model knows them (by acknowledged or written joins). */
        final Map<String, List<String>> members = new HashMap<>();
        Life life;
        int lives;
        String phase;
        /** The state the current life loaded, then one entry per request since. */
        final List<Request> requests = new ArrayList<>();
        String loadedState;

        Run(long seed, Sabotage sabotage, Coverage coverage) {
            this.seed = seed;
            this.sabotage = sabotage;
            this.coverage = coverage;
            scheduler = new SimScheduler(Simulation.random(seed), T0);
            disk = new SimDisk(scheduler.random(), scheduler.clock());
            random = new Random(scheduler.random().nextLong());
            disk.strictNames(random.nextInt(4) == 0);
            disk.onCrash(() -> life.kill());
            logConfig = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_BYTES, String.valueOf(new int[] {600, 2000, 100_000}[random.nextInt(3)]),
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.CLEANUP_POLICY, "compact"));
            members.put("cg0", new ArrayList<>());
            members.put("cg1", new ArrayList<>());
        }

        String run() throws Exception {
            for (int n = 0; n < LIVES; n++) {
                String failure = startAndCheck();
                if (failure != null) {
                    return failure;
                }
                phase = "workload";
                try {
                    workload();
                } catch (SimulatedCrash crash) {
                    // The disk crashed in a call the test made itself.
                }
                if (disk.isCrashed()) {
                    coverage.record(disk.lastCrash(), phase);
                } else {
                    disk.crashAtOperation(-1);
                    disk.crash();
                    coverage.record(null, phase);
                }
                disk.restart();
            }
            return startAndCheck();
        }

        /** Starts a life (recovery, hosting, load; a crash in any starts it again), then checks the state. */
        private String startAndCheck() throws Exception {
            boolean armed = random.nextInt(3) == 0;
            while (true) {
                if (armed) {
                    disk.crashAtOperation(disk.operations() + 1 + random.nextInt(30));
                }
                phase = "recovery";
                try {
                    start();
                    disk.crashAtOperation(-1);
                    break;
                } catch (SimulatedCrash crash) {
                    coverage.record(disk.lastCrash(), phase);
                    disk.restart();
                    armed = false;
                }
            }
            return check();
        }

        private void start() throws Exception {
            life = new Life(scheduler, lives++);
            Life l = life;
            LogManager.Builder b = LogManager.builder(DATA).disk(disk).clock(scheduler.clock())
                    .scheduler(l.deleter).flusherExecutors(l.flusher, l.flusherTimer).flusherPollMs(10)
                    .checkpointIntervalMs(random.nextBoolean() ? 0 : 50).configs(t -> logConfig)
                    .deleteSuffixes(random);
            if (sabotage == Sabotage.NO_FSYNC) {
                b.forcer(NO_FSYNC);
            }
            l.logs = b.build();
            l.replicas = new ReplicaManager(1, l.logs, new ShardProxy(List.of(l.shard)), l.hosting, 600_000);
            l.replicas.start();
            int epoch = lives;
            CompletableFuture<Void> hosted = l.replicas.apply(new HostingChange(List.of(), List.of(
                    new HostingChange.Topic(TOPIC, TOPIC_ID, 1, logConfig, 1, List.of(
                            new PartitionAssignment(0, 1, epoch, epoch, List.of(1), List.of(1))))), true));
            runUntil(hosted::isDone);
            PartitionCoordinatorIo io = new PartitionCoordinatorIo(TOPIC, l.replicas, scheduler.clock(), l.loader,
                    UNTRACKED);
            CoordinatorLoader loader = sabotage == Sabotage.DROP_TOMBSTONES
                    ? (partition, sink) -> io.load(partition, (offset, key, value) -> {
                        if (value != null) {
                            sink.accept(offset, key, value);
                        }
                    })
                    : io;
            l.coordinator = new GroupCoordinator(CONFIG, scheduler.clock(), l.events, l.events, io, loader,
                    NO_TOPICS);
            l.coordinator.onElection(0, epoch);
            while (true) {
                CompletableFuture<String> state = l.coordinator.readShard(0, GroupShard::describeState);
                runUntil(state::isDone);
                if (!state.isCompletedExceptionally()) {
                    loadedState = state.join();
                    break;
                }
                scheduler.runFor(5);
            }
        }

        /** Runs the node until {@code done} holds; a crash of the disk unwinds the caller. */
        private void runUntil(Supplier<Boolean> done) {
            scheduler.runUntil(() -> disk.isCrashed() || done.get());
            if (disk.isCrashed()) {
                throw new SimulatedCrash("crashed while waiting");
            }
        }

        /** The loaded state against the requests of the previous life. */
        private String check() {
            if (!requests.isEmpty()) {
                int lastAcked = 0;
                for (int i = 0; i < requests.size(); i++) {
                    if (requests.get(i).acked) {
                        lastAcked = i;
                    }
                }
                int match = -1;
                for (int i = lastAcked; i < requests.size() && match < 0; i++) {
                    if (loadedState.equals(requests.get(i).stateAfter)) {
                        match = i;
                    }
                }
                if (match < 0) {
                    return "seed " + seed + ": the recovered state matches no request at or after the last "
                            + "acknowledged one (" + requests.get(lastAcked) + ")\n"
                            + "recovered: " + loadedState + "\nrequests: " + describe(requests);
                }
                if (match > lastAcked) {
                    coverage.laterStates++;
                }
                // What an OffsetFetch answers for each acknowledged commit that no later request touched.
                for (int i = 1; i <= lastAcked; i++) {
                    Request r = requests.get(i);
                    if (r.key == null || touchedAfter(r.key, i)) {
                        continue;
                    }
                    String[] k = r.key.split("/");
                    OffsetFetchResponse.OffsetFetchResponsePartitions p = fetch(k[0], k[1], Integer.parseInt(k[2]));
                    if (p.committedOffset() != r.offset || !r.metadata.equals(p.metadata())) {
                        return "seed " + seed + ": acknowledged " + r + " fetched back as " + p.committedOffset()
                                + " '" + p.metadata() + "'";
                    }
                }
                resyncMembers();
            }
            requests.clear();
            Request base = new Request("loaded");
            base.stateAfter = loadedState;
            base.acked = true;
            requests.add(base);
            return null;
        }

        private boolean touchedAfter(String key, int index) {
            String group = key.substring(0, key.indexOf('/'));
            for (int i = index + 1; i < requests.size(); i++) {
                String w = requests.get(i).what;
                if (w.contains(key) || w.startsWith("expire") || w.startsWith("delete-group " + group)) {
                    return true;
                }
            }
            return false;
        }

        private static String describe(List<Request> requests) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < requests.size(); i++) {
                sb.append("\n  ").append(i).append(' ').append(requests.get(i)).append(" -> ")
                        .append(requests.get(i).stateAfter);
            }
            return sb.toString();
        }

        private OffsetFetchResponse.OffsetFetchResponsePartitions fetch(String group, String topic, int partition) {
            OffsetFetchRequest req = new OffsetFetchRequest();
            req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group).setTopics(
                    new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics().setName(topic)
                            .setPartitionIndexes(new ArrayList<>(List.of(partition)))))));
            CompletableFuture<?> f = life.coordinator.fetchOffsets(V8, req);
            runUntil(f::isDone);
            OffsetFetchResponse r = (OffsetFetchResponse) f.join();
            return r.groups().get(0).topics().get(0).partitions().get(0);
        }

        /** The consumer groups' members as the recovered coordinator has them (from its state). */
        private void resyncMembers() {
            for (Map.Entry<String, List<String>> e : members.entrySet()) {
                e.getValue().removeIf(m -> !loadedState.contains("[" + m + " "));
            }
        }

        private void workload() throws Exception {
            disk.crashAtOperation(disk.operations() + 1 + random.nextInt(new int[] {20, 100, 400}
                    [random.nextInt(3)]));
            for (int step = 0; step < STEPS && !disk.isCrashed(); step++) {
                int what = random.nextInt(20);
                if (what < 10) {
                    commit();
                } else if (what < 12) {
                    deleteOffset();
                } else if (what < 13) {
                    deleteGroup();
                } else if (what < 14) {
                    expire();
                } else if (what < 17) {
                    join();
                } else if (what < 19) {
                    leave();
                } else {
                    scheduler.runFor(1 + random.nextInt(100));
                }
            }
        }

        /** Submits a request, reads the state its event left, and runs until it is answered (or the disk crashed). */
        private <T> void request(Request r, Supplier<CompletableFuture<T>> send, java.util.function.Predicate<T> ok) {
            coverage.requests++;
            requests.add(r);
            CompletableFuture<T> answer = send.get();
            // Read in the same drain of the coordinator's event queue as the request's event, after whatever that
            // event queued (offset expiry queues its write): atomic with respect to the other threads and the disk.
            GroupCoordinator c = life.coordinator;
            CompletableFuture<String> state = c.readShard(0, s -> 0)
                    .thenCompose(x -> c.readShard(0, GroupShard::describeState));
            runUntil(state::isDone);
            r.stateAfter = state.isCompletedExceptionally() ? null : state.join();
            runUntil(answer::isDone);
            if (!answer.isCompletedExceptionally() && ok.test(answer.join())) {
                r.acked = true;
                coverage.acked++;
            }
        }

        private void commit() {
            String group = groups.get(random.nextInt(groups.size()));
            String topic = topics.get(random.nextInt(topics.size()));
            int partition = random.nextInt(3);
            long offset = random.nextInt(1_000_000);
            String metadata = "m" + random.nextInt(100);
            Request r = new Request("commit " + group + "/" + topic + "/" + partition + " " + offset);
            r.key = group + "/" + topic + "/" + partition;
            r.offset = offset;
            r.metadata = metadata;
            OffsetCommitRequest req = new OffsetCommitRequest().setGroupId(group).setMemberId("")
                    .setGenerationIdOrMemberEpoch(-1);
            req.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName(topic).setPartitions(
                    new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                            .setPartitionIndex(partition).setCommittedOffset(offset)
                            .setCommittedMetadata(metadata)))));
            request(r, () -> life.coordinator.commitOffsets(V8, req),
                    resp -> resp.topics().get(0).partitions().get(0).errorCode() == ErrorCode.NONE.code());
        }

        private void deleteOffset() {
            String group = groups.get(random.nextInt(groups.size()));
            String topic = topics.get(random.nextInt(topics.size()));
            OffsetDeleteRequest req = new OffsetDeleteRequest().setGroupId(group);
            List<OffsetDeleteRequest.OffsetDeleteRequestPartition> parts = new ArrayList<>();
            StringBuilder what = new StringBuilder("delete-offsets");
            for (int p = 0; p < 3; p++) {
                parts.add(new OffsetDeleteRequest.OffsetDeleteRequestPartition().setPartitionIndex(p));
                what.append(' ').append(group).append('/').append(topic).append('/').append(p);
            }
            req.topics().add(new OffsetDeleteRequest.OffsetDeleteRequestTopic().setName(topic).setPartitions(parts));
            request(new Request(what.toString()), () -> life.coordinator.deleteOffsets(V8, req),
                    resp -> resp.errorCode() == ErrorCode.NONE.code());
        }

        private void deleteGroup() {
            String group = groups.get(random.nextInt(groups.size()));
            request(new Request("delete-group " + group), () -> life.coordinator.deleteGroups(V8,
                    new DeleteGroupsRequest().setGroupsNames(new ArrayList<>(List.of(group)))),
                    resp -> resp.results().get(0).errorCode() == ErrorCode.NONE.code());
        }

        /** Offsets older than the retention (one minute) expire: tombstones no client asked for. */
        private void expire() {
            scheduler.runFor(61_000);
            request(new Request("expire"), () -> {
                life.coordinator.expireOffsetsNow();
                return CompletableFuture.completedFuture(null);
            }, x -> false);
        }

        private void join() {
            String group = random.nextBoolean() ? "cg0" : "cg1";
            String member = new UUID(seed, random.nextLong()).toString();
            ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(group)
                    .setMemberId(member).setMemberEpoch(0).setRebalanceTimeoutMs(5000)
                    .setSubscribedTopicNames(new ArrayList<>(List.of("absent"))).setTopicPartitions(new ArrayList<>());
            members.get(group).add(member);
            request(new Request("join " + group + " " + member),
                    () -> life.coordinator.consumerGroupHeartbeat(new RequestMeta((short) 1, "c", "/127.0.0.1"),
                            req), resp -> resp.errorCode() == ErrorCode.NONE.code());
        }

        private void leave() {
            String group = random.nextBoolean() ? "cg0" : "cg1";
            List<String> in = members.get(group);
            if (in.isEmpty()) {
                return;
            }
            String member = in.remove(random.nextInt(in.size()));
            ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(group)
                    .setMemberId(member).setMemberEpoch(-1);
            request(new Request("leave " + group + " " + member),
                    () -> life.coordinator.consumerGroupHeartbeat(new RequestMeta((short) 1, "c", "/127.0.0.1"),
                            req), resp -> resp.errorCode() == ErrorCode.NONE.code());
        }
    }
}
