package io.samsa.server.coordinator;

import io.netty.buffer.ByteBuf;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicPartition;
import io.samsa.testkit.SimExecutor;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddOffsetsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One instance of a consume-transform-produce application in {@link TransactionSimulationTest}, as the Java client
 * drives the protocol: InitProducerId, the group's committed input offset (OffsetFetch with require_stable), then
 * transactions of one to four input records, each transformed into a record on a random output partition (one
 * transactional batch per partition, with the idempotent producer's sequences), the input's next offset committed to
 * the group in the transaction (TxnOffsetCommit), and EndTxn, a commit or at random an abort. Under transaction.version
 * 2 the partitions join the transaction through the brokers (Produce v12+ and TxnOffsetCommit v5: KIP-890 part 2) and
 * every EndTxn bumps the epoch; under 0 the producer adds them (AddPartitionsToTxn v3, AddOffsetsToTxn) and the
 * brokers only verify (KIP-890 part 1). Retriable errors are retried after a backoff, a produce that keeps failing
 * aborts the transaction, and fencing (or an EndTxn whose outcome is unknown) replaces the instance by a new one,
 * which starts from the group's offset again. An instance may also be replaced while it runs (an application
 * restart): the old one goes on as a zombie until it is fenced. Runs on its own executor.
 */
final class TxnSimProducer {
    private static final Set<ErrorCode> RETRIABLE = EnumSet.of(ErrorCode.COORDINATOR_NOT_AVAILABLE,
            ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.CONCURRENT_TRANSACTIONS,
            ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_LEADER_OR_FOLLOWER,
            ErrorCode.UNSTABLE_OFFSET_COMMIT);
    private static final Set<ErrorCode> FENCED = EnumSet.of(ErrorCode.PRODUCER_FENCED,
            ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    private static final int MAX_PRODUCE_RETRIES = 6;

    /** A coordinator's answer: its error and, where the API gives them, a producer id and epoch or an offset. */
    record Answer(ErrorCode error, long pid, short epoch, long offset) {
        static Answer of(ErrorCode e) {
            return new Answer(e, -1, (short) -1, -1);
        }

        static Answer of(short code) {
            return of(ErrorCode.forCode(code));
        }
    }

    private static final Answer DOWN = Answer.of(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    private static final Answer TIMED_OUT = Answer.of(ErrorCode.REQUEST_TIMED_OUT);

    /** One transactional batch: its partition, first sequence and values. */
    private record Batch(TopicPartition tp, int seq, List<String> values) {
    }

    private final TransactionSimulationTest.Run run;
    final int index;
    private final int instance;
    private final String id;
    private final SimExecutor exec;
    private final int timeoutMs;
    private long pid = -1;
    private short epoch = -1;
    private long position;
    private int txnNo;
    private TxnSimChecker.Txn current;
    private final Map<TopicPartition, Integer> seqs = new HashMap<>();
    private final List<Batch> batches = new ArrayList<>();
    private int nextBatch;
    private int retries;
    private boolean dead;
    private boolean zombie;

    TxnSimProducer(TransactionSimulationTest.Run run, int index, int instance) {
        this.run = run;
        this.index = index;
        this.instance = instance;
        this.id = transactionalId(index);
        this.exec = run.s.executor("producer-" + index + "-" + instance);
        this.timeoutMs = 800 + run.random.nextInt(2_000);
    }

    static String transactionalId(int producer) {
        return "txn-" + producer;
    }

    static String group(int producer) {
        return "group-" + producer;
    }

    void begin() {
        exec.execute(this::init);
    }

    private RequestMeta v(int version) {
        return RequestMeta.of(version);
    }

    /** A request to the coordinator broker; {@code then} runs on this producer's executor unless it died. */
    private void call(Supplier<CompletableFuture<Answer>> op, Consumer<Answer> then) {
        run.toCoordinator(op, DOWN, TIMED_OUT, TransactionSimulationTest.CLIENT_TIMEOUT_MS).thenAccept(a -> exec.execute(() -> {
            if (!dead) {
                then.accept(a);
            }
        }));
    }

    private void later(Runnable r) {
        exec.schedule(r, 10 + run.random.nextInt(40));
    }

    private void init() {
        call(() -> run.txn.initProducerId(v(run.tv2 ? 5 : 4), new InitProducerIdRequest().setTransactionalId(id)
                        .setTransactionTimeoutMs(timeoutMs).setProducerId(-1).setProducerEpoch((short) -1))
                .thenApply(r -> new Answer(ErrorCode.forCode(r.errorCode()), r.producerId(), r.producerEpoch(), -1)),
                a -> {
                    if (a.error() == ErrorCode.NONE) {
                        pid = a.pid();
                        epoch = a.epoch();
                        seqs.clear();
                        fetchOffset();
                    } else if (RETRIABLE.contains(a.error())) {
                        later(this::init);
                    } else {
                        throw new AssertionError(id + ": InitProducerId answered " + a.error());
                    }
                });
    }

    /** The group's committed offset, once no transaction holds it (require_stable). */
    private void fetchOffset() {
        call(() -> {
            OffsetFetchRequest req = new OffsetFetchRequest().setRequireStable(true);
            req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group(index)).setTopics(
                    new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics()
                            .setName(TransactionSimulationTest.IN).setPartitionIndexes(
                                    new ArrayList<>(List.of(index)))))));
            return run.groups.fetchOffsets(v(8), req).thenApply(r -> {
                OffsetFetchResponse.OffsetFetchResponseGroup g = r.groups().get(0);
                if (g.errorCode() != 0) {
                    return Answer.of(g.errorCode());
                }
                OffsetFetchResponse.OffsetFetchResponsePartitions p = g.topics().get(0).partitions().get(0);
                return new Answer(ErrorCode.forCode(p.errorCode()), -1, (short) -1, p.committedOffset());
            });
        }, a -> {
            if (a.error() == ErrorCode.NONE) {
                long known = run.checker.committedEnd(index);
                if (known > a.offset()) {
                    throw new AssertionError(group(index) + " committed offset " + a.offset() + " after "
                            + id + "'s InitProducerId, behind its committed transaction ending at " + known);
                }
                position = Math.max(0, a.offset());
                nextTxn();
            } else if (RETRIABLE.contains(a.error())) {
                later(this::fetchOffset);
            } else {
                throw new AssertionError(group(index) + ": OffsetFetch answered " + a.error());
            }
        });
    }

    private void nextTxn() {
        if (run.settling) {
            return;
        }
        if (!zombie && run.random.nextInt(60) == 0) {
            // The application restarts: a new instance takes over; this one goes on until it is fenced.
            zombie = true;
            TxnSimProducer next = new TxnSimProducer(run, index, run.instances++);
            run.producers.add(next);
            next.begin();
        }
        int k = 1 + run.random.nextInt(4);
        txnNo++;
        String key = index + "." + instance + "." + txnNo;
        current = new TxnSimChecker.Txn(key, index, position, position + k);
        run.checker.txns.put(key, current);
        Map<TopicPartition, List<String>> byPartition = new TreeMap<>();
        for (long o = position; o < position + k; o++) {
            TopicPartition tp = new TopicPartition(TransactionSimulationTest.OUT,
                    run.random.nextInt(TransactionSimulationTest.OUTPUTS));
            String value = key + "." + o;
            byPartition.computeIfAbsent(tp, x -> new ArrayList<>()).add(value);
            current.planned.add(tp + "=" + value);
        }
        batches.clear();
        nextBatch = 0;
        retries = 0;
        byPartition.forEach((tp, values) -> {
            int seq = seqs.getOrDefault(tp, 0);
            seqs.put(tp, seq + values.size());
            batches.add(new Batch(tp, seq, values));
        });
        if (run.tv2) {
            produceNext();
        } else {
            addPartitions(byPartition.keySet());
        }
    }

    /** AddPartitionsToTxn v3 (V1). */
    private void addPartitions(Set<TopicPartition> tps) {
        call(() -> {
            AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest().setV3AndBelowTransactionalId(id)
                    .setV3AndBelowProducerId(pid).setV3AndBelowProducerEpoch(epoch);
            Map<String, List<Integer>> byTopic = new TreeMap<>();
            tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            byTopic.forEach((t, ps) -> req.v3AndBelowTopics().add(
                    new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic().setName(t).setPartitions(ps)));
            return run.txn.addPartitionsToTxn(v(3), req).thenApply(r -> Answer.of(r.resultsByTopicV3AndBelow().get(0)
                    .resultsByPartition().get(0).partitionErrorCode()));
        }, a -> next(a, this::produceNext, () -> addPartitions(tps)));
    }

    /** Moves on after {@code a}: NONE runs {@code ok}, retriable errors {@code retry}, fencing replaces, else aborts. */
    private void next(Answer a, Runnable ok, Runnable retry) {
        if (a.error() == ErrorCode.NONE) {
            ok.run();
        } else if (RETRIABLE.contains(a.error())) {
            later(retry);
        } else if (FENCED.contains(a.error())) {
            fenced();
        } else {
            end(false, true);
        }
    }

    private void produceNext() {
        if (nextBatch == batches.size()) {
            commitOffsets();
            return;
        }
        Batch b = batches.get(nextBatch);
        TxnSimBroker broker = run.leaders.get(b.tp());
        long p = pid;
        short e = epoch;
        run.toBroker(broker, () -> broker.produce(b.tp(), build(b, p, e), p, e, b.seq(), run.tv2,
                        tp -> run.verify(tp, id, p, e, run.tv2)), TransactionSimulationTest.CLIENT_TIMEOUT_MS)
                .thenAccept(err -> exec.execute(() -> {
                    if (dead) {
                        return;
                    }
                    if (err == ErrorCode.NONE) {
                        nextBatch++;
                        retries = 0;
                        produceNext();
                    } else if (RETRIABLE.contains(err) && ++retries <= MAX_PRODUCE_RETRIES) {
                        later(this::produceNext);
                    } else if (FENCED.contains(err)) {
                        fenced();
                    } else {
                        end(false, true);
                    }
                }));
    }

    private ByteBuf build(Batch b, long p, short e) {
        try (RecordBatchBuilder builder = new RecordBatchBuilder(CoordinatorPowerLossRun.UNTRACKED)) {
            builder.producer(p, e, b.seq()).transactional(true);
            for (String value : b.values()) {
                builder.append(run.s.nowMillis(), value.getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8));
            }
            return builder.build();
        }
    }

    /** The input's next offset, in the transaction: AddOffsetsToTxn and TxnOffsetCommit v3 (V1), or v5 (V2). */
    private void commitOffsets() {
        if (!run.tv2) {
            call(() -> run.txn.addOffsetsToTxn(v(3), new AddOffsetsToTxnRequest().setTransactionalId(id)
                            .setProducerId(pid).setProducerEpoch(epoch).setGroupId(group(index)))
                    .thenApply(r -> Answer.of(r.errorCode())), a -> next(a, this::txnOffsetCommit, this::commitOffsets));
        } else {
            txnOffsetCommit();
        }
    }

    private void txnOffsetCommit() {
        long p = pid;
        short e = epoch;
        long offset = current.to;
        call(() -> {
            CompletableFuture<ErrorCode> added = run.tv2
                    // TxnOffsetCommitHandler v5+: the broker adds the group's partition first (KIP-890 part 2).
                    ? run.verify(new TopicPartition(GroupCoordinator.TOPIC, 0), id, p, e, true)
                    : CompletableFuture.completedFuture(ErrorCode.NONE);
            return added.thenCompose(err -> {
                if (err != ErrorCode.NONE) {
                    return CompletableFuture.completedFuture(Answer.of(err));
                }
                TxnOffsetCommitRequest req = new TxnOffsetCommitRequest().setTransactionalId(id)
                        .setGroupId(group(index)).setProducerId(p).setProducerEpoch(e).setMemberId("")
                        .setGenerationIdOrMemberEpoch(-1);
                TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic t =
                        new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic().setName(TransactionSimulationTest.IN);
                t.partitions().add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition()
                        .setPartitionIndex(index).setCommittedOffset(offset).setCommittedLeaderEpoch(-1));
                req.topics().add(t);
                return run.groups.txnCommitOffsets(v(run.tv2 ? 5 : 3), req)
                        .thenApply(r -> Answer.of(r.topics().get(0).partitions().get(0).errorCode()));
            });
        }, a -> next(a, this::maybeStallThenEnd, this::txnOffsetCommit));
    }

    private void maybeStallThenEnd() {
        boolean commit = run.random.nextInt(5) != 0;
        if (run.random.nextInt(25) == 0) {
            // The application stalls past its transaction timeout: the coordinator aborts the transaction.
            exec.schedule(() -> end(commit, false), timeoutMs + 300 + run.random.nextInt(500));
        } else {
            end(commit, false);
        }
    }

    /**
     * EndTxn v3 (V1) or v5 (V2, the answer carries the next epoch); retried until it has an answer. An abort after
     * a failed produce ({@code restart}) then starts a new instance: the batch may or may not be in the partition, so
     * the sequence goes on only with a new epoch (the Java client bumps it, KIP-360).
     */
    private void end(boolean commit, boolean restart) {
        long p = pid;
        short e = epoch;
        call(() -> run.txn.endTxn(v(run.tv2 ? 5 : 3), new EndTxnRequest().setTransactionalId(id).setProducerId(p)
                        .setProducerEpoch(e).setCommitted(commit))
                .thenApply(r -> new Answer(ErrorCode.forCode(r.errorCode()), r.producerId(), r.producerEpoch(), -1)),
                a -> {
                    if (a.error() == ErrorCode.NONE) {
                        current.acked = commit;
                        if (commit) {
                            run.stats.commits++;
                            position = current.to;
                        } else {
                            run.stats.aborts++;
                            position = current.from;
                        }
                        if (run.tv2) {
                            pid = a.pid();
                            epoch = a.epoch();
                            seqs.clear();
                        }
                        if (restart) {
                            replace();
                        } else {
                            nextTxn();
                        }
                    } else if (RETRIABLE.contains(a.error())) {
                        later(() -> end(commit, restart));
                    } else {
                        // Fenced, or the transaction was aborted meanwhile (its timeout): the outcome is the log's.
                        run.stats.unknown++;
                        fenced();
                    }
                });
    }

    /** Fenced: this instance is done; unless it was a zombie already, a new one takes over. */
    private void fenced() {
        run.stats.fenced++;
        replace();
    }

    private void replace() {
        dead = true;
        if (!zombie) {
            TxnSimProducer next = new TxnSimProducer(run, index, run.instances++);
            run.producers.add(next);
            next.begin();
        }
    }
}
