package io.samsa.coordinator;

import io.samsa.common.ManualClock;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.txn.record.TransactionLogKey;
import io.samsa.coordinator.txn.record.TransactionLogValue;
import io.samsa.coordinator.txn.record.TransactionRecordSerde;
import io.samsa.wire.message.AddOffsetsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transaction coordinator on a manual clock, a manual scheduler, a direct executor, in-memory partitions, fake
 * producer ids and a fake marker writer: everything runs on the test thread, deterministically. One partition of
 * {@code __transaction_state} unless told otherwise; {@link #failover()} starts another coordinator on the same
 * partitions, as a new leader does.
 */
final class TxnHarness {
    static final String OFFSETS = GroupCoordinator.TOPIC;

    final ManualClock clock = new ManualClock(1_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryPartitions partitions;
    final FakeProducerIds ids;
    final FakeMarkerWriter markers;
    final AtomicInteger transactionVersion;
    final TransactionCoordinatorConfig config;
    TransactionCoordinator coordinator;
    int epoch;

    TxnHarness() {
        this(Map.of());
    }

    TxnHarness(Map<String, String> props) {
        this(config(props), new InMemoryPartitions(), new FakeProducerIds(), new FakeMarkerWriter(),
                new AtomicInteger(2), 0);
    }

    private TxnHarness(TransactionCoordinatorConfig config, InMemoryPartitions partitions, FakeProducerIds ids,
                       FakeMarkerWriter markers, AtomicInteger transactionVersion, int epoch) {
        this.config = config;
        this.partitions = partitions;
        this.ids = ids;
        this.markers = markers;
        this.transactionVersion = transactionVersion;
        this.epoch = epoch;
        start();
    }

    private void start() {
        coordinator = new TransactionCoordinator(config, clock, scheduler, Runnable::run, partitions, partitions, ids,
                markers, transactionVersion::get);
        for (int p = 0; p < config.numPartitions(); p++) {
            coordinator.onElection(p, epoch);
        }
    }

    static TransactionCoordinatorConfig config(Map<String, String> props) {
        Map<String, String> all = new HashMap<>();
        all.put("transaction.state.log.num.partitions", "1");
        all.put("offsets.topic.num.partitions", "5");
        all.putAll(props);
        return TransactionCoordinatorConfig.fromMap(all);
    }

    /** The coordinator dies; another one (a new leader epoch) loads the same partitions. */
    void failover() {
        coordinator.close();
        epoch++;
        start();
    }

    /**
     * A coordinator that has only the written records to go by, beside this one (state checks): its markers are
     * never answered and its clock never moves, so it writes nothing. Close it after use.
     */
    TxnHarness fresh() {
        FakeMarkerWriter silent = new FakeMarkerWriter();
        silent.hold = true;
        return new TxnHarness(config, partitions, ids, silent, transactionVersion, epoch + 1);
    }

    static <T> T done(CompletableFuture<T> f) {
        if (!f.isDone()) {
            throw new AssertionError("Expected the future to be complete");
        }
        return f.join();
    }

    static RequestMeta v(int version) {
        return new RequestMeta((short) version, "producer", "/127.0.0.1");
    }

    // ---- requests

    InitProducerIdResponse init(String id) {
        return done(initAsync(id, 60_000, -1, (short) -1, 5));
    }

    InitProducerIdResponse init(String id, long producerId, short epoch) {
        return done(initAsync(id, 60_000, producerId, epoch, 5));
    }

    CompletableFuture<InitProducerIdResponse> initAsync(String id, int timeoutMs, long producerId, short epoch,
                                                        int version) {
        return coordinator.initProducerId(v(version), new InitProducerIdRequest().setTransactionalId(id)
                .setTransactionTimeoutMs(timeoutMs).setProducerId(producerId).setProducerEpoch(epoch));
    }

    /** AddPartitionsToTxn v3 (a V1 producer); the error of the first partition (all get the same). */
    short add(String id, long producerId, short epoch, TopicPartition... tps) {
        return add(3, id, producerId, epoch, tps);
    }

    short add(int version, String id, long producerId, short epoch, TopicPartition... tps) {
        AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest().setV3AndBelowTransactionalId(id)
                .setV3AndBelowProducerId(producerId).setV3AndBelowProducerEpoch(epoch)
                .setV3AndBelowTopics(topics(tps));
        AddPartitionsToTxnResponse r = done(coordinator.addPartitionsToTxn(v(version), req));
        return r.resultsByTopicV3AndBelow().isEmpty() ? 0
                : r.resultsByTopicV3AndBelow().get(0).resultsByPartition().get(0).partitionErrorCode();
    }

    /** AddPartitionsToTxn v4+ from a broker: one transaction, added (V2) or verified; errors by partition. */
    Map<TopicPartition, Short> addFromBroker(int version, boolean verifyOnly, String id, long producerId, short epoch,
                                             TopicPartition... tps) {
        AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest();
        req.transactions().add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction().setTransactionalId(id)
                .setProducerId(producerId).setProducerEpoch(epoch).setVerifyOnly(verifyOnly).setTopics(topics(tps)));
        AddPartitionsToTxnResponse r = done(coordinator.addPartitionsToTxn(v(version), req));
        Map<TopicPartition, Short> out = new TreeMap<>();
        for (AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult t
                : r.resultsByTransaction().get(0).topicResults()) {
            for (AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult p : t.resultsByPartition()) {
                out.put(new TopicPartition(t.name(), p.partitionIndex()), p.partitionErrorCode());
            }
        }
        return out;
    }

    short addOffsets(String id, long producerId, short epoch, String group) {
        return done(coordinator.addOffsetsToTxn(v(3), new AddOffsetsToTxnRequest().setTransactionalId(id)
                .setProducerId(producerId).setProducerEpoch(epoch).setGroupId(group))).errorCode();
    }

    /** EndTxn v3 (V1). */
    short end(String id, long producerId, short epoch, boolean commit) {
        return end(3, id, producerId, epoch, commit).errorCode();
    }

    EndTxnResponse end(int version, String id, long producerId, short epoch, boolean commit) {
        return done(endAsync(version, id, producerId, epoch, commit));
    }

    CompletableFuture<EndTxnResponse> endAsync(int version, String id, long producerId, short epoch,
                                               boolean commit) {
        return coordinator.endTxn(v(version), new EndTxnRequest().setTransactionalId(id).setProducerId(producerId)
                .setProducerEpoch(epoch).setCommitted(commit));
    }

    DescribeTransactionsResponse.TransactionState describe(String id) {
        return done(coordinator.describeTransactions(v(0), new DescribeTransactionsRequest()
                .setTransactionalIds(new ArrayList<>(List.of(id))))).transactionStates().get(0);
    }

    /** The state name of {@code id} (null: unknown) on partition 0. */
    String state(String id) {
        return done(coordinator.readShard(coordinator.partitionFor(id), s -> s.stateOf(id)));
    }

    String describeState(int partition) {
        return done(coordinator.readShard(partition, s -> s.describeState()));
    }

    static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    private static List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics(TopicPartition... tps) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : tps) {
            byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        }
        List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> out = new ArrayList<>();
        byTopic.forEach((t, ps) -> out.add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic().setName(t)
                .setPartitions(new ArrayList<>(ps))));
        return out;
    }

    // ---- seeding records (a state reached long ago, e.g. near epoch exhaustion)

    /**
     * Writes a record of {@code id}'s state straight into its partition (as an earlier coordinator wrote it) and
     * reloads the partition so that the coordinator finds it.
     */
    void seed(String id, long producerId, short epoch, String state, int clientTransactionVersion,
              TopicPartition... tps) {
        byte status = switch (state) {
            case "Empty" -> 0;
            case "Ongoing" -> 1;
            case "PrepareCommit" -> 2;
            case "PrepareAbort" -> 3;
            case "CompleteCommit" -> 4;
            case "CompleteAbort" -> 5;
            default -> throw new IllegalArgumentException(state);
        };
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : tps) {
            byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        }
        List<TransactionLogValue.PartitionsSchema> parts = new ArrayList<>();
        byTopic.forEach((t, ps) -> parts.add(new TransactionLogValue.PartitionsSchema().setTopic(t)
                .setPartitionIds(ps)));
        TransactionLogValue value = new TransactionLogValue().setProducerId(producerId).setPreviousProducerId(producerId)
                .setProducerEpoch(epoch).setTransactionTimeoutMs(60_000).setTransactionStatus(status)
                .setTransactionPartitions(status == 0 ? null : parts).setTransactionLastUpdateTimestampMs(clock.milliseconds())
                .setTransactionStartTimestampMs(status == 0 ? -1 : clock.milliseconds())
                .setClientTransactionVersion((short) clientTransactionVersion);
        TypedRecord r = new TypedRecord(new TransactionLogKey().setTransactionalId(id), value, (short) 1);
        partitions.append(coordinator.partitionFor(id), List.of(new TransactionRecordSerde().serialize(r)));
        failover();
    }
}
