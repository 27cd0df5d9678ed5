package io.samsa.server.coordinator;

import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.log.LogConfig;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Transactions across brokers that crash, on a seeded simulation (docs/simulation.md, "Transactions across crashing
 * brokers"): the real {@link TransactionCoordinator} and {@link GroupCoordinator} on the real {@code
 * __transaction_state} and {@code __consumer_offsets} partitions of one broker, and the real logs and partitions of
 * three output partitions on two other brokers (replication's {@code Partition}, one replica each, durable with
 * {@code flush.messages=1}, on {@link io.samsa.testkit.SimDisk}s), driven by consume-transform-produce producers
 * ({@link TxnSimProducer}) through a simulated network that delays, reorders and loses requests and answers. Every
 * broker crashes (between operations, at a seeded disk operation, right after a marker's append, and the coordinator
 * right after it sent a transaction's markers), loses what it had not forced and comes back in a new leader epoch;
 * transactions time out. {@link TxnSimChecker} checks after every step and at the end. One seed runs the finalized
 * {@code transaction.version} 2 (KIP-890: the producers' V2 protocol) or 0 (V1), as its random draws. {@code mvn verify}
 * runs {@value #CI_SEEDS} seeds; {@code -Dsim.seeds=N} more, {@code -Dsim.seed=S} replays one.
 */
class TransactionSimulationTest {
    static final int CI_SEEDS = 250;
    static final String OUT = "out";
    static final String IN = "in";
    static final int OUTPUTS = 3;
    private static final long T0 = 1_700_000_000_000L;
    private static final long WORKLOAD_MS = 6_000;
    private static final long SETTLE_MS = 8_000;
    /** How long a broker waits for another broker's answer; a client waits {@link #CLIENT_TIMEOUT_MS}. */
    static final long BROKER_TIMEOUT_MS = 600;
    static final long CLIENT_TIMEOUT_MS = 1_500;

    /** Totals over the seeds run, printed at the end. */
    static final class Stats {
        long seeds;
        long tv2;
        long crashes;
        long coordinatorCrashesMidCommit;
        long commits;
        long aborts;
        long unknown;
        long fenced;
        long readRecords;
        long checks;

        @Override
        public String toString() {
            return seeds + " seeds (" + tv2 + " with transaction.version 2), " + crashes + " broker crashes ("
                    + coordinatorCrashesMidCommit + " coordinators right after sending markers), " + commits
                    + " commits and " + aborts + " aborts acknowledged, " + unknown + " transactions of unknown "
                    + "outcome, " + fenced + " producer re-initialisations, " + readRecords
                    + " records read by read_committed readers, " + checks + " checks";
        }
    }

    @Test
    void everyTransactionEndsAlikeOnEveryPartitionThroughCrashes() {
        Stats stats = new Stats();
        Simulation.Summary summary = Simulation.forEachSeed("TransactionSimulationTest", CI_SEEDS,
                seed -> new Run(seed, stats).run());
        System.out.println("TransactionSimulationTest: " + summary.seeds() + " seeds in " + summary.elapsedMs()
                + " ms: " + stats);
    }

    /** One seed: the brokers, the coordinators of the coordinator broker's current life, the producers. */
    static final class Run {
        final long seed;
        final Stats stats;
        final SimScheduler s;
        final Random random;
        final boolean tv2;
        final int producerCount;
        final TxnSimBroker coord;
        final List<TxnSimBroker> brokers = new ArrayList<>();
        final Map<TopicPartition, TxnSimBroker> leaders = new TreeMap<>();
        final SimExecutor control;
        final TxnSimChecker checker;
        final List<TxnSimProducer> producers = new ArrayList<>();
        final TransactionCoordinatorConfig txnConfig = TransactionCoordinatorConfig.fromMap(Map.of(
                "transaction.state.log.num.partitions", "1", "offsets.topic.num.partitions", "1",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "200",
                "samsa.transaction.marker.retry.backoff.ms", "50"));
        final GroupCoordinatorConfig groupConfig = GroupCoordinatorConfig.fromMap(Map.of(
                "offsets.topic.num.partitions", "1"));
        TransactionCoordinator txn;
        GroupCoordinator groups;
        /** Fault rates; zero once the run settles. */
        double dropRate;
        double crashRate;
        boolean settling;
        int instances;
        private long nextProducerId = 1000;

        Run(long seed, Stats stats) {
            this.seed = seed;
            this.stats = stats;
            s = new SimScheduler(Simulation.random(seed), T0);
            random = new Random(s.random().nextLong());
            tv2 = random.nextBoolean();
            producerCount = 2 + random.nextInt(3);
            dropRate = new double[] {0, 0.02, 0.08}[random.nextInt(3)];
            crashRate = new double[] {0.001, 0.004, 0.01}[random.nextInt(3)];
            control = s.executor("control");
            LogConfig data = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_BYTES, String.valueOf(new int[] {700, 4000, 100_000}[random.nextInt(3)]),
                    LogConfig.SEGMENT_INDEX_BYTES, "4096"));
            LogConfig internal = LogConfig.fromMap(Map.of(LogConfig.FLUSH_MESSAGES, "1",
                    LogConfig.SEGMENT_BYTES, String.valueOf(new int[] {1000, 100_000}[random.nextInt(2)]),
                    LogConfig.SEGMENT_INDEX_BYTES, "4096", LogConfig.CLEANUP_POLICY, "compact"));
            coord = new TxnSimBroker(1, "coordinator", s, random, Map.of(TransactionCoordinator.TOPIC, internal,
                    GroupCoordinator.TOPIC, internal), List.of(new TopicPartition(TransactionCoordinator.TOPIC, 0),
                    new TopicPartition(GroupCoordinator.TOPIC, 0)));
            brokers.add(coord);
            List<TopicPartition> outputs = new ArrayList<>();
            List<List<TopicPartition>> hosted = List.of(new ArrayList<>(), new ArrayList<>());
            for (int p = 0; p < OUTPUTS; p++) {
                TopicPartition tp = new TopicPartition(OUT, p);
                outputs.add(tp);
                hosted.get(p % 2).add(tp);
            }
            for (int b = 0; b < 2; b++) {
                TxnSimBroker broker = new TxnSimBroker(2 + b, "broker" + (2 + b), s, random, Map.of(OUT, data),
                        hosted.get(b));
                brokers.add(broker);
                broker.hosted().forEach(tp -> leaders.put(tp, broker));
            }
            checker = new TxnSimChecker(outputs, leaders::get);
        }

        void run() throws Exception {
            for (TxnSimBroker b : brokers) {
                start(b);
            }
            s.addInvariant(checker::check);
            for (int i = 0; i < producerCount; i++) {
                TxnSimProducer p = new TxnSimProducer(this, i, instances++);
                producers.add(p);
                p.begin();
            }
            control.schedule(this::faults, 10);
            long end = s.nowMillis() + WORKLOAD_MS;
            while (s.nowMillis() < end && s.step()) {
                supervise();
            }
            settling = true;
            dropRate = 0;
            crashRate = 0;
            brokers.forEach(b -> b.disk.crashAtOperation(-1));
            long settle = s.nowMillis() + SETTLE_MS;
            while (s.nowMillis() < settle && s.step()) {
                supervise();
            }
            for (TxnSimBroker b : brokers) {
                if (!b.up) {
                    start(b);
                }
            }
            s.runFor(2_000);
            checker.checkEnd(producerCount, groupOffsets());
            checkCoordinatorStates();
            stats.seeds++;
            stats.tv2 += tv2 ? 1 : 0;
            stats.readRecords += checker.readRecords();
            stats.checks += checker.checks;
        }

        /** Restarts a crashed broker once its downtime is over. */
        private void supervise() throws Exception {
            for (TxnSimBroker b : brokers) {
                if (b.up) {
                    continue;
                }
                if (b.restartAt < 0) {
                    b.restartAt = s.nowMillis() + 20 + random.nextInt(400);
                    stats.crashes++;
                } else if (s.nowMillis() >= b.restartAt) {
                    start(b);
                }
            }
        }

        /** Starts a life of {@code b} (recovery may crash again when armed), and its coordinators. */
        private void start(TxnSimBroker b) throws Exception {
            while (true) {
                if (b.disk.isCrashed()) {
                    b.disk.restart();
                }
                if (!settling && random.nextInt(4) == 0) {
                    b.disk.crashAtOperation(b.disk.operations() + 1 + random.nextInt(60));
                }
                try {
                    b.start();
                    break;
                } catch (SimulatedCrash crash) {
                    stats.crashes++;
                }
            }
            b.restartAt = -1;
            if (!settling && random.nextInt(3) == 0) {
                b.disk.crashAtOperation(b.disk.operations() + 1 + random.nextInt(2_000));
            }
            if (b == coord) {
                startCoordinators();
            }
        }

        private void startCoordinators() {
            int life = coord.lives;
            PartitionCoordinatorIo txnIo = new PartitionCoordinatorIo(TransactionCoordinator.TOPIC, coord.replicas,
                    s.clock(), coord.loader, CoordinatorPowerLossRun.UNTRACKED);
            PartitionCoordinatorIo offsetsIo = new PartitionCoordinatorIo(GroupCoordinator.TOPIC, coord.replicas,
                    s.clock(), coord.loader, CoordinatorPowerLossRun.UNTRACKED);
            GroupCoordinator g = new GroupCoordinator(groupConfig, s.clock(), coord.events, coord.events, offsetsIo,
                    offsetsIo, new InputTopic(producerCount));
            groups = g;
            txn = new TransactionCoordinator(txnConfig, s.clock(), coord.events, coord.events, txnIo, txnIo,
                    () -> CompletableFuture.completedFuture(nextProducerId++), m -> writeMarkers(m, g, life),
                    () -> tv2 ? 2 : 0);
            g.onElection(0, life);
            txn.onElection(0, life);
        }

        /** The coordinator's markers: the group coordinator's own partition here, the others over the network. */
        private List<CompletableFuture<ErrorCode>> writeMarkers(TransactionMarkerWriter.Markers m, GroupCoordinator g,
                                                              int life) {
            List<CompletableFuture<ErrorCode>> out = new ArrayList<>();
            for (TopicPartition tp : m.partitions()) {
                if (tp.topic().equals(GroupCoordinator.TOPIC)) {
                    out.add(g.completeTransaction(tp.partition(), m.producerId(), m.producerEpoch(),
                            m.coordinatorEpoch(), m.commit()));
                    continue;
                }
                TxnSimBroker b = leaders.get(tp);
                out.add(toBroker(b, () -> {
                    if (crashRate > 0 && random.nextDouble() < crashRate * 3) {
                        // The partition's broker dies right after the marker's append, before its fsync.
                        control.schedule(() -> crash(b), random.nextInt(2));
                    }
                    return b.marker(tp, m.producerId(), m.producerEpoch(), m.commit(), m.coordinatorEpoch(),
                            m.transactionVersion());
                }, BROKER_TIMEOUT_MS));
            }
            if (crashRate > 0 && random.nextDouble() < crashRate * 5 && coord.lives == life) {
                // The coordinator dies mid-commit: its Prepare record is written, some markers are on their way.
                stats.coordinatorCrashesMidCommit++;
                control.schedule(() -> crash(coord), random.nextInt(20));
            }
            return out;
        }

        private void crash(TxnSimBroker b) {
            if (b.up) {
                b.disk.crash();
            }
        }

        /** Random crashes between operations while the workload runs. */
        private void faults() {
            if (settling) {
                return;
            }
            for (TxnSimBroker b : brokers) {
                if (random.nextDouble() < crashRate) {
                    crash(b);
                }
            }
            control.schedule(this::faults, 10);
        }

        // ---- the network

        private int delay() {
            return random.nextInt(10) == 0 ? 5 + random.nextInt(60) : random.nextInt(5);
        }

        /**
         * A request to the coordinator broker: {@code op} runs there after a delay if the broker is up (else the
         * answer is {@code down}); the answer comes back after another delay unless lost, and a request without an
         * answer in {@code timeoutMs} completes with {@code timedOut}. Completes on the control executor.
         */
        <T> CompletableFuture<T> toCoordinator(Supplier<CompletableFuture<T>> op, T down, T timedOut,
                                               long timeoutMs) {
            return send(coord, op, down, timedOut, timeoutMs);
        }

        /** A request to a data broker: as {@link #toCoordinator}; NOT_LEADER_OR_FOLLOWER while it is down. */
        CompletableFuture<ErrorCode> toBroker(TxnSimBroker b, Supplier<CompletableFuture<ErrorCode>> op,
                                              long timeoutMs) {
            return send(b, op, ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.REQUEST_TIMED_OUT, timeoutMs);
        }

        private <T> CompletableFuture<T> send(TxnSimBroker b, Supplier<CompletableFuture<T>> op, T down,
                                              T timedOut, long timeoutMs) {
            CompletableFuture<T> answer = new CompletableFuture<>();
            control.schedule(() -> answer.complete(timedOut), timeoutMs);
            boolean lostRequest = random.nextDouble() < dropRate;
            boolean lostAnswer = random.nextDouble() < dropRate;
            control.schedule(() -> {
                if (lostRequest) {
                    return;
                }
                if (!b.up) {
                    control.schedule(() -> answer.complete(down), delay());
                    return;
                }
                int life = b.lives;
                b.net.execute(() -> op.get().whenComplete((a, t) -> control.execute(() -> {
                    if (lostAnswer || b.lives != life || !b.up) {
                        return;
                    }
                    control.schedule(() -> answer.complete(t != null ? down : a), delay());
                })));
            }, delay());
            return answer;
        }

        // ---- what the brokers ask the coordinator

        /** AddPartitionsToTxn v4 (verify) or v5 (add) from a partition's leader, as TransactionVerifier asks it. */
        CompletableFuture<ErrorCode> verify(TopicPartition tp, String id, long pid, short epoch, boolean add) {
            return toCoordinator(() -> {
                AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest();
                req.transactions().add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction()
                        .setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch).setVerifyOnly(!add)
                        .setTopics(new ArrayList<>(List.of(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
                                .setName(tp.topic()).setPartitions(new ArrayList<>(List.of(tp.partition())))))));
                return txn.addPartitionsToTxn(RequestMeta.of(add ? 5 : 4), req).thenApply(r -> firstError(r));
            }, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT, BROKER_TIMEOUT_MS);
        }

        static ErrorCode firstError(AddPartitionsToTxnResponse r) {
            return ErrorCode.forCode(r.resultsByTransaction().get(0).topicResults().get(0).resultsByPartition().get(0)
                    .partitionErrorCode());
        }

        // ---- the end

        private Map<Integer, Long> groupOffsets() {
            Map<Integer, Long> out = new TreeMap<>();
            for (int i = 0; i < producerCount; i++) {
                OffsetFetchRequest req = new OffsetFetchRequest().setRequireStable(true);
                req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(TxnSimProducer.group(i))
                        .setTopics(new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics()
                                .setName(IN).setPartitionIndexes(new ArrayList<>(List.of(i)))))));
                CompletableFuture<OffsetFetchResponse> f = groups.fetchOffsets(RequestMeta.of(8), req);
                s.runUntil(f::isDone);
                OffsetFetchResponse.OffsetFetchResponseGroup g = f.join().groups().get(0);
                OffsetFetchResponse.OffsetFetchResponsePartitions p = g.topics().isEmpty() ? null
                        : g.topics().get(0).partitions().get(0);
                if (g.errorCode() != 0 || p == null || p.errorCode() != 0) {
                    throw new AssertionError("OffsetFetch of " + TxnSimProducer.group(i) + " at the end: group error "
                            + g.errorCode() + ", partition error " + (p == null ? "none" : p.errorCode()));
                }
                out.put(i, p.committedOffset());
            }
            return out;
        }

        /** At the end no transactional id is left preparing or ongoing. */
        private void checkCoordinatorStates() {
            DescribeTransactionsRequest req = new DescribeTransactionsRequest();
            for (int i = 0; i < producerCount; i++) {
                req.transactionalIds().add(TxnSimProducer.transactionalId(i));
            }
            CompletableFuture<DescribeTransactionsResponse> f = txn.describeTransactions(RequestMeta.of(0), req);
            s.runUntil(f::isDone);
            for (DescribeTransactionsResponse.TransactionState t : f.join().transactionStates()) {
                if (t.errorCode() == ErrorCode.TRANSACTIONAL_ID_NOT_FOUND.code()) {
                    continue;
                }
                if (t.errorCode() != 0 || !List.of("Empty", "CompleteCommit", "CompleteAbort")
                        .contains(t.transactionState())) {
                    throw new AssertionError("At the end " + t.transactionalId() + " is " + t.transactionState()
                            + " (error " + t.errorCode() + ", partitions " + t.topics() + ")");
                }
            }
        }
    }

    /** The consumed topic as the group coordinator sees it: one partition per producer. */
    private record InputTopic(int partitions) implements TopicMetadata {
        private static final UUID ID = new UUID(7, 7);

        @Override
        public Topic topic(String name) {
            return name.equals(IN) ? new Topic(IN, ID, partitions) : null;
        }

        @Override
        public Topic topic(UUID id) {
            return id.equals(ID) ? new Topic(IN, ID, partitions) : null;
        }

        @Override
        public Collection<Topic> topics() {
            return List.of(new Topic(IN, ID, partitions));
        }
    }
}
