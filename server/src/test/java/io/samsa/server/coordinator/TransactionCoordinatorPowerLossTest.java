package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.coordinator.txn.TxnShard;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Coverage;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Request;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Sabotage;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.InitProducerIdRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator's state across power loss ({@link CoordinatorPowerLossRun}: a durable
 * {@code __transaction_state} partition on the simulated disk, the real {@link TransactionCoordinator} writing through
 * {@link PartitionCoordinatorIo} and replication's acks=all path, crashes at seeded operations, the recovered
 * partition replayed into a fresh coordinator). The workload: V1 transactional producers' InitProducerId (which fences
 * and aborts an open transaction), AddPartitionsToTxn and EndTxn (commit or abort), with the markers answered as a
 * step of their own (the coordinator then writes the transaction's completion). The recovered state (every
 * transactional id's producer id, epoch, state and partitions) must be the state after a request at or after the last
 * acknowledged one; each client then starts again with InitProducerId. The control: without fsync the recovered
 * state falls behind acknowledged requests. {@code mvn verify} runs {@value #CI_SEEDS} seeds.
 */
class TransactionCoordinatorPowerLossTest {
    static final int CI_SEEDS = 60;
    private static final int CONTROL_SEEDS = 40;
    private static final RequestMeta V3 = new RequestMeta((short) 3, "producer", "/127.0.0.1");
    private static final RequestMeta V4 = new RequestMeta((short) 4, "producer", "/127.0.0.1");
    private static final TransactionCoordinatorConfig CONFIG = TransactionCoordinatorConfig.fromMap(Map.of(
            "transaction.state.log.num.partitions", "1"));

    @Test
    void acknowledgedTransactionStateSurvivesPowerLoss() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = CoordinatorPowerLossRun.forEachSeed("TransactionCoordinatorPowerLossTest",
                CI_SEEDS, coverage, TxnRun::new);
        System.out.println("TransactionCoordinatorPowerLossTest: " + summary.seeds() + " seeds in "
                + summary.elapsedMs() + " ms, " + coverage);
        if (summary.seeds() >= 40) {
            coverage.assertCovered();
        }
    }

    @Test
    void controlWithoutFsyncAcknowledgedTransactionStateIsLost() {
        assertTrue(CoordinatorPowerLossRun.someSeedFails("TransactionCoordinatorPowerLossTest", CONTROL_SEEDS,
                Sabotage.NO_FSYNC, TxnRun::new),
                "without fsync a power loss must lose acknowledged state, else the check proves nothing");
    }

    /** A producer as its client knows it: the id and epoch of its last InitProducerId, or none. */
    private static final class Client {
        final String id;
        long producerId = -1;
        short epoch = -1;

        Client(String id) {
            this.id = id;
        }
    }

    private static final class TxnRun extends CoordinatorPowerLossRun {
        final List<Client> clients = List.of(new Client("tx-a"), new Client("tx-b"), new Client("tx-c"));
        /** Producer ids across lives, as the controller's blocks would give them: never twice. */
        long nextProducerId = 1000;
        TransactionCoordinator coordinator;
        /** The markers the coordinator asked for and that are not answered yet. */
        final List<CompletableFuture<ErrorCode>> markers = new ArrayList<>();

        TxnRun(long seed, Sabotage sabotage, Coverage coverage) {
            super(TransactionCoordinator.TOPIC, seed, sabotage, coverage);
        }

        @Override
        void startCoordinator(PartitionCoordinatorIo io, CoordinatorLoader loader, int leaderEpoch) {
            markers.clear();
            List<CompletableFuture<ErrorCode>> mine = markers;
            TransactionMarkerWriter writer = m -> {
                List<CompletableFuture<ErrorCode>> out = new ArrayList<>();
                for (int i = 0; i < m.partitions().size(); i++) {
                    out.add(new CompletableFuture<>());
                }
                mine.addAll(out);
                return out;
            };
            coordinator = new TransactionCoordinator(CONFIG, scheduler.clock(), life.events, life.events, io, loader,
                    () -> CompletableFuture.completedFuture(nextProducerId++), writer, () -> 0);
            coordinator.onElection(0, leaderEpoch);
        }

        @Override
        CompletableFuture<String> readState() {
            return coordinator.readShard(0, TxnShard::describeState);
        }

        /** Every client starts again with InitProducerId, as a restarted producer does. */
        @Override
        void afterRecovery() {
            for (Client c : clients) {
                c.producerId = -1;
                c.epoch = -1;
            }
        }

        @Override
        void step() {
            Client c = clients.get(random.nextInt(clients.size()));
            int what = random.nextInt(10);
            if (what < 2 && !markers.isEmpty()) {
                answerMarkers();
            } else if (c.producerId < 0 || what < 3) {
                init(c);
            } else if (what < 7) {
                add(c);
            } else {
                end(c, what < 9);
            }
        }

        /**
         * Answers every marker asked for (NONE), then records the state after the coordinator's completion write,
         * queued in the same drain.
         */
        private void answerMarkers() {
            List<CompletableFuture<ErrorCode>> now = new ArrayList<>(markers);
            markers.clear();
            now.forEach(f -> f.complete(ErrorCode.NONE));
            capture(new Request("markers answered (" + now.size() + ")"));
        }

        /** Waits for the answer; markers asked for meanwhile (an InitProducerId that aborts) are answered. */
        @Override
        void awaitAnswer(CompletableFuture<?> answer) {
            while (true) {
                runUntil(() -> answer.isDone() || !markers.isEmpty());
                if (answer.isDone()) {
                    return;
                }
                answerMarkers();
            }
        }

        private void init(Client c) {
            InitProducerIdRequest req = new InitProducerIdRequest().setTransactionalId(c.id)
                    .setTransactionTimeoutMs(600_000).setProducerId(c.producerId).setProducerEpoch(c.epoch);
            request(new Request("init " + c.id), () -> coordinator.initProducerId(V4, req), r -> {
                if (r.errorCode() != ErrorCode.NONE.code()) {
                    return false;
                }
                c.producerId = r.producerId();
                c.epoch = r.producerEpoch();
                return true;
            });
        }

        private void add(Client c) {
            String topic = random.nextBoolean() ? "orders" : "payments";
            int partition = random.nextInt(3);
            AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest().setV3AndBelowTransactionalId(c.id)
                    .setV3AndBelowProducerId(c.producerId).setV3AndBelowProducerEpoch(c.epoch)
                    .setV3AndBelowTopics(new ArrayList<>(List.of(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
                            .setName(topic).setPartitions(new ArrayList<>(List.of(partition))))));
            request(new Request("add " + c.id + " " + topic + "-" + partition),
                    () -> coordinator.addPartitionsToTxn(V3, req),
                    r -> r.resultsByTopicV3AndBelow().get(0).resultsByPartition().get(0).partitionErrorCode()
                            == ErrorCode.NONE.code());
        }

        private void end(Client c, boolean commit) {
            EndTxnRequest req = new EndTxnRequest().setTransactionalId(c.id).setProducerId(c.producerId)
                    .setProducerEpoch(c.epoch).setCommitted(commit);
            request(new Request((commit ? "commit " : "abort ") + c.id), () -> coordinator.endTxn(V3, req),
                    r -> r.errorCode() == ErrorCode.NONE.code());
        }
    }
}
