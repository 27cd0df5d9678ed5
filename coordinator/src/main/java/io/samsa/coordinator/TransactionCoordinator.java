package io.samsa.coordinator;

import static io.samsa.coordinator.Futures.all;
import static io.samsa.coordinator.Futures.code;
import static io.samsa.coordinator.Futures.error;

import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.coordinator.runtime.CoordinatorRuntime;
import io.samsa.coordinator.txn.TxnShard;
import io.samsa.coordinator.txn.TxnState;
import io.samsa.coordinator.txn.record.TransactionRecordSerde;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddOffsetsToTxnRequest;
import io.samsa.wire.message.AddOffsetsToTxnResponse;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.message.ListTransactionsRequest;
import io.samsa.wire.message.ListTransactionsResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The transaction coordinator: transactional ids, their producer ids and epochs, and their transactions, kept in the
 * partitions of {@code __transaction_state} that this broker leads ({@code partition = abs(hash(id)) % n}, as Kafka).
 * One method per API; each returns the response to send with the protocol's error codes, at the request's version
 * (the future never fails). The server calls {@link #onElection}/{@link #onResignation} as leadership of the partitions
 * moves, gives new producer ids through a {@link ProducerIdSource}, writes markers through a
 * {@link TransactionMarkerWriter}, and tells the finalized {@code transaction.version} feature level (it decides the
 * record version and the protocol of the aborts the coordinator starts). Thread-safe: work runs on the runtime's single
 * event thread; futures may complete on it. See docs/transactions.md.
 */
public final class TransactionCoordinator implements AutoCloseable {
    /** The internal topic holding transaction state. */
    public static final String TOPIC = "__transaction_state";

    private final TransactionCoordinatorConfig config;
    private final Clock clock;
    private final ProducerIdSource producerIds;
    private final CoordinatorRuntime<TxnShard> runtime;

    public TransactionCoordinator(TransactionCoordinatorConfig config, Clock clock, Scheduler scheduler,
                                  Executor executor, CoordinatorPartitionWriter writer, CoordinatorLoader loader,
                                  ProducerIdSource producerIds, TransactionMarkerWriter markers,
                                  IntSupplier transactionVersion) {
        this.config = config;
        this.clock = clock;
        this.producerIds = producerIds;
        this.runtime = new CoordinatorRuntime<>(TOPIC, clock, scheduler, executor, writer, loader,
                new TransactionRecordSerde(),
                p -> new TxnShard(p, config, producerIds, markers, transactionVersion));
    }

    /** Kafka's placement: {@code Utils.abs(transactionalId.hashCode()) % n}. */
    public static int partitionFor(String transactionalId, int numPartitions) {
        return GroupCoordinator.partitionFor(transactionalId, numPartitions);
    }

    public int partitionFor(String transactionalId) {
        return partitionFor(transactionalId, config.numPartitions());
    }

    public TransactionCoordinatorConfig config() {
        return config;
    }

    /** This broker now leads {@code partition} of __transaction_state in {@code leaderEpoch}: load it. */
    public void onElection(int partition, int leaderEpoch) {
        runtime.scheduleLoad(partition, leaderEpoch);
    }

    /** This broker no longer leads {@code partition} (as of {@code leaderEpoch}; -1 = any): unload it. */
    public void onResignation(int partition, int leaderEpoch) {
        runtime.scheduleUnload(partition, leaderEpoch);
    }

    /** Whether {@code partition} is loaded and serving. */
    public CompletableFuture<Boolean> isActive(int partition) {
        return runtime.isActive(partition);
    }

    // ---- InitProducerId

    /**
     * InitProducerId v0-6. Without a transactional id: a new producer id at epoch 0 (an idempotent producer). With
     * one: see {@code txn/ProducerIdProtocol}. v3+ (KIP-360) may name the producer's current id and epoch; v4+ learn
     * PRODUCER_FENCED (older versions get INVALID_PRODUCER_EPOCH). Two-phase commit (v6, KIP-939) is not supported.
     */
    public CompletableFuture<InitProducerIdResponse> initProducerId(RequestMeta meta, InitProducerIdRequest req) {
        short v = meta.apiVersion();
        String id = req.transactionalId();
        if (id == null) {
            CompletableFuture<Long> pid;
            try {
                pid = producerIds.nextProducerId();
            } catch (RuntimeException e) {
                pid = CompletableFuture.failedFuture(e);
            }
            return pid.handle((p, t) -> t == null
                    ? new InitProducerIdResponse().setProducerId(p).setProducerEpoch((short) 0)
                    : initError(error(t), v));
        }
        ErrorCode refused = id.isEmpty() ? ErrorCode.INVALID_REQUEST
                // KIP-939: Kafka refuses 2PC unless transaction.two.phase.commit.enable; Samsa has no 2PC.
                : v >= 6 && req.enable2Pc() ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : v >= 6 && req.keepPreparedTxn() ? ErrorCode.UNSUPPORTED_VERSION
                : req.transactionTimeoutMs() <= 0 || req.transactionTimeoutMs() > config.maxTimeoutMs()
                ? ErrorCode.INVALID_TRANSACTION_TIMEOUT
                // v3+: the producer's id and epoch come together or not at all.
                : v >= 3 && (req.producerId() < 0) != (req.producerEpoch() < 0) ? ErrorCode.INVALID_REQUEST
                : ErrorCode.NONE;
        if (refused != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(initError(refused, v));
        }
        TxnShard.InitArgs args = new TxnShard.InitArgs(id, req.transactionTimeoutMs(), v >= 3 ? req.producerId() : -1,
                v >= 3 ? req.producerEpoch() : -1);
        return runtime.scheduleWrite(partitionFor(id), "InitProducerId", (s, ctx) -> s.initProducerId(ctx, args))
                .thenCompose(f -> f)
                .thenApply(r -> r.error() != ErrorCode.NONE ? initError(r.error(), v) : new InitProducerIdResponse()
                        .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()))
                .exceptionally(t -> initError(error(t), v));
    }

    private static InitProducerIdResponse initError(ErrorCode e, short v) {
        return new InitProducerIdResponse().setErrorCode(fenced(e, v, 4)).setProducerId(-1)
                .setProducerEpoch((short) -1);
    }

    // ---- AddPartitionsToTxn, AddOffsetsToTxn

    /**
     * AddPartitionsToTxn: v0-3 from a V1 producer, one transaction; v4+ from a broker, several transactions, each
     * either a verification (KIP-890 part 1: is the partition in the transaction) or, for a V2 producer, the add
     * itself (KIP-890 part 2). Topic existence and authorization are the handler's.
     */
    public CompletableFuture<AddPartitionsToTxnResponse> addPartitionsToTxn(RequestMeta meta,
                                                                           AddPartitionsToTxnRequest req) {
        short v = meta.apiVersion();
        if (v < 4) {
            Set<TopicPartition> partitions = partitions(req.v3AndBelowTopics());
            return add(req.v3AndBelowTransactionalId(), req.v3AndBelowProducerId(), req.v3AndBelowProducerEpoch(),
                    partitions, (short) 0)
                    .thenApply(e -> new AddPartitionsToTxnResponse().setResultsByTopicV3AndBelow(
                            topicResults(uniform(partitions, e), v)));
        }
        List<CompletableFuture<AddPartitionsToTxnResponse.AddPartitionsToTxnResult>> parts = new ArrayList<>();
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction t : req.transactions()) {
            Set<TopicPartition> partitions = partitions(t.topics());
            CompletableFuture<Map<TopicPartition, ErrorCode>> result = t.verifyOnly()
                    ? verify(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions)
                    : add(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions, (short) 2)
                            .thenApply(e -> uniform(partitions, e));
            parts.add(result.thenApply(errors -> new AddPartitionsToTxnResponse.AddPartitionsToTxnResult()
                    .setTransactionalId(t.transactionalId()).setTopicResults(topicResults(errors, v))));
        }
        return all(parts).thenApply(list -> new AddPartitionsToTxnResponse().setResultsByTransaction(list));
    }

    private CompletableFuture<ErrorCode> add(String id, long producerId, short epoch, Set<TopicPartition> partitions,
                                             short clientTransactionVersion) {
        if (id == null || id.isEmpty()) {
            return CompletableFuture.completedFuture(ErrorCode.INVALID_REQUEST);
        }
        return runtime.scheduleWrite(partitionFor(id), "AddPartitionsToTxn",
                        (s, ctx) -> s.addPartitions(ctx, id, producerId, epoch, partitions, clientTransactionVersion))
                .exceptionally(Futures::error);
    }

    private CompletableFuture<Map<TopicPartition, ErrorCode>> verify(String id, long producerId, short epoch,
                                                                     Set<TopicPartition> partitions) {
        if (id == null || id.isEmpty()) {
            return CompletableFuture.completedFuture(uniform(partitions, ErrorCode.INVALID_REQUEST));
        }
        return runtime.scheduleRead(partitionFor(id), "VerifyPartitionsInTxn",
                        s -> s.verifyPartitions(id, producerId, epoch, partitions))
                .exceptionally(t -> uniform(partitions, error(t)));
    }

    /** AddOffsetsToTxn v0-4: adds the group's {@code __consumer_offsets} partition to the transaction (V1). */
    public CompletableFuture<AddOffsetsToTxnResponse> addOffsetsToTxn(RequestMeta meta, AddOffsetsToTxnRequest req) {
        TopicPartition offsets = new TopicPartition(GroupCoordinator.TOPIC,
                GroupCoordinator.partitionFor(req.groupId() == null ? "" : req.groupId(),
                        config.offsetsTopicNumPartitions()));
        return add(req.transactionalId(), req.producerId(), req.producerEpoch(), Set.of(offsets), (short) 0)
                .thenApply(e -> new AddOffsetsToTxnResponse().setErrorCode(fenced(e, meta.apiVersion(), 2)));
    }

    // ---- EndTxn

    /**
     * EndTxn: v0-4 end a V1 transaction; v5+ a V2 one (KIP-890 part 2), whose epoch every EndTxn bumps, and answer the
     * producer id and epoch to continue with. Answered once PrepareCommit/PrepareAbort is committed; the markers follow.
     */
    public CompletableFuture<EndTxnResponse> endTxn(RequestMeta meta, EndTxnRequest req) {
        short v = meta.apiVersion();
        String id = req.transactionalId();
        if (id == null || id.isEmpty()) {
            return CompletableFuture.completedFuture(endError(ErrorCode.INVALID_REQUEST, v));
        }
        short tv = (short) (v >= 5 ? 2 : 0);
        return runtime.scheduleWrite(partitionFor(id), "EndTxn",
                        (s, ctx) -> s.endTxn(ctx, id, req.producerId(), req.producerEpoch(), req.committed(), tv))
                .thenCompose(f -> f)
                .thenApply(r -> r.error() != ErrorCode.NONE ? endError(r.error(), v) : new EndTxnResponse()
                        .setProducerId(v >= 5 ? r.producerId() : -1).setProducerEpoch(v >= 5 ? r.producerEpoch() : -1))
                .exceptionally(t -> endError(error(t), v));
    }

    private static EndTxnResponse endError(ErrorCode e, short v) {
        return new EndTxnResponse().setErrorCode(fenced(e, v, 2)).setProducerId(-1).setProducerEpoch((short) -1);
    }

    // ---- DescribeTransactions, ListTransactions

    public CompletableFuture<DescribeTransactionsResponse> describeTransactions(RequestMeta meta,
                                                                              DescribeTransactionsRequest req) {
        List<CompletableFuture<DescribeTransactionsResponse.TransactionState>> parts = new ArrayList<>();
        for (String id : req.transactionalIds()) {
            if (id == null || id.isEmpty()) {
                parts.add(CompletableFuture.completedFuture(new DescribeTransactionsResponse.TransactionState()
                        .setTransactionalId(id == null ? "" : id).setTransactionState("")
                        .setErrorCode(ErrorCode.INVALID_REQUEST.code())));
                continue;
            }
            parts.add(runtime.scheduleRead(partitionFor(id), "DescribeTransactions", s -> s.describe(id))
                    .exceptionally(t -> new DescribeTransactionsResponse.TransactionState().setTransactionalId(id)
                            .setTransactionState("").setErrorCode(code(t))));
        }
        return all(parts).thenApply(list -> new DescribeTransactionsResponse().setTransactionStates(list));
    }

    /**
     * ListTransactions v0-2: every transactional id of the partitions loaded here, filtered by state (unknown state
     * names are reported back), producer id, how long the transaction has run (v1+, KIP-994) and an id pattern (v2+,
     * KIP-1152, a Java regular expression matched against the whole id). While a partition loads:
     * COORDINATOR_LOAD_IN_PROGRESS and no list, as Kafka.
     */
    public CompletableFuture<ListTransactionsResponse> listTransactions(RequestMeta meta, ListTransactionsRequest req) {
        short v = meta.apiVersion();
        ListTransactionsResponse resp = new ListTransactionsResponse();
        Set<TxnState> states = EnumSet.noneOf(TxnState.class);
        for (String name : req.stateFilters()) {
            TxnState s = TxnState.fromName(name);
            if (s == null) {
                resp.unknownStateFilters().add(name);
            } else {
                states.add(s);
            }
        }
        boolean filterStates = !req.stateFilters().isEmpty();
        Set<Long> producers = new HashSet<>(req.producerIdFilters());
        long duration = v >= 1 ? req.durationFilter() : -1;
        Pattern pattern = null;
        String regex = v >= 2 ? req.transactionalIdPattern() : null;
        if (regex != null && !regex.isEmpty()) {
            try {
                pattern = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                return CompletableFuture.completedFuture(resp.setErrorCode(
                        ErrorCode.INVALID_REGULAR_EXPRESSION.code()));
            }
        }
        Pattern p = pattern;
        long now = clock.milliseconds();
        return runtime.scheduleReadAll("ListTransactions",
                        s -> s.list(states, filterStates, producers, duration, p, now))
                .thenApply(r -> {
                    if (r.anyLoading()) {
                        return resp.setErrorCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code());
                    }
                    r.results().forEach(resp.transactionStates()::addAll);
                    return resp;
                })
                .exceptionally(t -> resp.setErrorCode(code(t)));
    }

    // ---- tests and operations

    /** Aborts timed-out transactions on every loaded partition now (the timer does it every interval). */
    public void abortTimedOutTransactionsNow() {
        runtime.scheduleWriteAll("AbortTimedOut", (s, ctx) -> {
            s.abortTimedOutNow(ctx);
            return null;
        });
    }

    /** Removes expired transactional ids on every loaded partition now (the timer does it every interval). */
    public void expireTransactionalIdsNow() {
        runtime.scheduleWriteAll("ExpireTransactionalIds", (s, ctx) -> s.expireNow(ctx));
    }

    /** Reads a loaded partition's shard on the event thread (tests: state checks). */
    public <T> CompletableFuture<T> readShard(int partition, Function<TxnShard, T> op) {
        return runtime.scheduleRead(partition, "ReadShard", op);
    }

    @Override
    public void close() {
        runtime.close();
    }

    // ---- helpers

    /** Versions before {@code since} know PRODUCER_FENCED as INVALID_PRODUCER_EPOCH (Kafka's mapping). */
    private static short fenced(ErrorCode e, short version, int since) {
        return fencedError(e, version, since).code();
    }

    private static ErrorCode fencedError(ErrorCode e, short version, int since) {
        return e == ErrorCode.PRODUCER_FENCED && version < since ? ErrorCode.INVALID_PRODUCER_EPOCH : e;
    }

    private static Set<TopicPartition> partitions(List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics) {
        Set<TopicPartition> out = new TreeSet<>();
        if (topics != null) {
            for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : topics) {
                for (int p : t.partitions()) {
                    out.add(new TopicPartition(t.name(), p));
                }
            }
        }
        return out;
    }

    private static Map<TopicPartition, ErrorCode> uniform(Set<TopicPartition> partitions, ErrorCode e) {
        Map<TopicPartition, ErrorCode> out = new TreeMap<>();
        partitions.forEach(tp -> out.put(tp, e));
        return out;
    }

    /**
     * Per-topic results. v4 brokers do not know TRANSACTION_ABORTABLE (v5+, KIP-890): they get INVALID_TXN_STATE, the
     * verification error from before it; older clients get INVALID_PRODUCER_EPOCH for PRODUCER_FENCED.
     */
    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> topicResults(
            Map<TopicPartition, ErrorCode> errors, short v) {
        Map<TopicPartition, ErrorCode> mapped = new TreeMap<>();
        errors.forEach((tp, e) -> mapped.put(tp, e == ErrorCode.TRANSACTION_ABORTABLE && v < 5
                ? ErrorCode.INVALID_TXN_STATE : fencedError(e, v, 2)));
        return topicResults(mapped);
    }

    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> topicResults(
            Map<TopicPartition, ErrorCode> errors) {
        List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> out = new ArrayList<>();
        AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult topic = null;
        for (Map.Entry<TopicPartition, ErrorCode> e : new TreeMap<>(errors).entrySet()) {
            if (topic == null || !topic.name().equals(e.getKey().topic())) {
                topic = new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(e.getKey().topic());
                out.add(topic);
            }
            topic.resultsByPartition().add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                    .setPartitionIndex(e.getKey().partition()).setPartitionErrorCode(e.getValue().code()));
        }
        return out;
    }
}
