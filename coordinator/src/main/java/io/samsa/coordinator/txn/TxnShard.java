package io.samsa.coordinator.txn;

import io.samsa.coordinator.ProducerIdSource;
import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.coordinator.runtime.CoordinatorShard;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.ListTransactionsResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator's state for one partition of {@code __transaction_state}: its transactional ids. Every
 * durable change is a record appended through the event's {@link WriteContext} and applied by {@link TxnReplay}, as
 * the partition's records are when it loads. Entry points for every transaction API (called by
 * {@code TransactionCoordinator} through the runtime); the work is in {@link ProducerIdProtocol} (InitProducerId),
 * {@link TxnProtocol} (AddPartitionsToTxn, EndTxn, fencing), {@link MarkerChannel} (markers and completion) and
 * {@link TxnAdmin} (describe, list, timeouts, expiry). Not thread-safe: every method runs on the coordinator's event
 * thread.
 */
public final class TxnShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(TxnShard.class);
    static final String ABORT_TIMER = "abort-timed-out";
    static final String EXPIRY_TIMER = "expire-transactional-ids";
    static final String RESUME_TIMER = "resume-markers";

    /** An InitProducerId: the producer's id and epoch are -1 unless it names them (v3+, KIP-360). */
    public record InitArgs(String transactionalId, int timeoutMs, long expectedProducerId, short expectedEpoch) {
        boolean hasExpected() {
            return expectedProducerId >= 0;
        }
    }

    /** What InitProducerId or EndTxn answers: an error, or the producer id and epoch to use (-1 when none). */
    public record Result(ErrorCode error, long producerId, short producerEpoch) {
        static Result error(ErrorCode e) {
            return new Result(e, TxnMetadata.NO_PRODUCER_ID, TxnMetadata.NO_EPOCH);
        }
    }

    final int partition;
    final TransactionCoordinatorConfig config;
    final Map<String, TxnMetadata> txns = new TreeMap<>();
    final ProducerIdProtocol producerIds;
    final TxnProtocol protocol;
    final MarkerChannel markers;
    final TxnAdmin admin;
    private final ProducerIdSource ids;
    private final IntSupplier transactionVersion;
    private final TxnReplay replay = new TxnReplay(txns);
    /** Requests waiting for a producer id; answered NOT_COORDINATOR if the partition goes first. */
    private final Set<CompletableFuture<?>> waiting = new HashSet<>();
    private final String prefix;

    public TxnShard(int partition, TransactionCoordinatorConfig config, ProducerIdSource ids,
                    TransactionMarkerWriter writer, IntSupplier transactionVersion) {
        this.partition = partition;
        this.config = config;
        this.ids = ids;
        this.transactionVersion = transactionVersion;
        this.prefix = "[TransactionCoordinator partition=" + partition + "] ";
        this.producerIds = new ProducerIdProtocol(this);
        this.protocol = new TxnProtocol(this);
        this.markers = new MarkerChannel(this, writer);
        this.admin = new TxnAdmin(this);
    }

    String prefix() {
        return prefix;
    }

    /** The finalized transaction.version: the record version and the protocol of aborts the coordinator starts. */
    short serverTransactionVersion() {
        return (short) transactionVersion.getAsInt();
    }

    /** Writes {@code t} as the new state of {@code transactionalId}; it is replayed before this returns. */
    void write(WriteContext ctx, String transactionalId, TxnMetadata.Transition t) {
        ctx.append(TxnRecords.state(transactionalId, t, TxnRecords.valueVersion(transactionVersion.getAsInt())));
    }

    /**
     * Calls {@code then} with a new producer id: in this event when the source has one at hand, else in a later
     * event once it has (the caller re-validates from scratch). If the source fails, {@code out} gets
     * {@code onError}'s answer with the source's error.
     */
    <T> void withProducerId(WriteContext ctx, String opName, CompletableFuture<T> out,
                            Function<ErrorCode, T> onError, BiConsumer<WriteContext, Long> then) {
        CompletableFuture<Long> f;
        try {
            f = ids.nextProducerId();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            then.accept(ctx, f.join());
            return;
        }
        waiting.add(out);
        ctx.whenComplete(f, opName, (c, id, error) -> {
            if (!waiting.remove(out)) {
                return;
            }
            if (error != null) {
                ErrorCode code = error instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
                log.warn("{}{} could not get a producer id: {}", prefix, opName, error.toString());
                c.completeAfterCommit(out, onError.apply(code));
            } else {
                then.accept(c, id);
            }
        });
    }

    // ---- state changes

    @Override
    public void replay(TypedRecord record) {
        replay.replay(record);
    }

    /**
     * Loaded: the timers start, and the markers of every transaction found in PrepareCommit/PrepareAbort are written
     * again after the marker backoff. Not at once: a load also follows a failed write, and a partition that keeps
     * refusing writes would otherwise be reloaded in a tight loop (markers written, completion refused, reload).
     */
    @Override
    public void onLoaded(WriteContext ctx) {
        int preparing = 0;
        for (TxnMetadata m : txns.values()) {
            if (m.state.isPreparing()) {
                preparing++;
            }
        }
        if (preparing > 0) {
            ctx.schedule(RESUME_TIMER, config.markerRetryBackoffMs(), c -> {
                for (TxnMetadata m : List.copyOf(txns.values())) {
                    if (m.state.isPreparing()) {
                        markers.send(c, m.transactionalId);
                    }
                }
            });
        }
        scheduleTimers(ctx);
        log.info("{}Loaded {} transactional ids; {} transactions are being completed", prefix, txns.size(),
                preparing);
    }

    private void scheduleTimers(WriteContext ctx) {
        ctx.schedule(ABORT_TIMER, config.abortTimedOutIntervalMs(), this::abortTimer);
        ctx.schedule(EXPIRY_TIMER, config.removeExpiredIntervalMs(), this::expiryTimer);
    }

    private void abortTimer(WriteContext ctx) {
        admin.abortTimedOut(ctx);
        ctx.schedule(ABORT_TIMER, config.abortTimedOutIntervalMs(), this::abortTimer);
    }

    private void expiryTimer(WriteContext ctx) {
        admin.expireTransactionalIds(ctx);
        ctx.schedule(EXPIRY_TIMER, config.removeExpiredIntervalMs(), this::expiryTimer);
    }

    @Override
    public void onUnloaded() {
        SamsaException gone = new SamsaException(ErrorCode.NOT_COORDINATOR,
                "Partition " + partition + " of __transaction_state is no longer served here");
        for (CompletableFuture<?> f : new ArrayList<>(waiting)) {
            f.completeExceptionally(gone);
        }
        waiting.clear();
    }

    // ---- entry points (event thread)

    public CompletableFuture<Result> initProducerId(WriteContext ctx, InitArgs args) {
        return producerIds.init(ctx, args);
    }

    public ErrorCode addPartitions(WriteContext ctx, String transactionalId, long producerId, short producerEpoch,
                                   Set<TopicPartition> partitions, short clientTransactionVersion) {
        return protocol.addPartitions(ctx, transactionalId, producerId, producerEpoch, partitions,
                clientTransactionVersion);
    }

    public Map<TopicPartition, ErrorCode> verifyPartitions(String transactionalId, long producerId,
                                                          short producerEpoch, Set<TopicPartition> partitions) {
        return protocol.verifyPartitions(transactionalId, producerId, producerEpoch, partitions);
    }

    public CompletableFuture<Result> endTxn(WriteContext ctx, String transactionalId, long producerId,
                                            short producerEpoch, boolean commit, short clientTransactionVersion) {
        return protocol.endTxn(ctx, transactionalId, producerId, producerEpoch, commit, clientTransactionVersion);
    }

    public DescribeTransactionsResponse.TransactionState describe(String transactionalId) {
        return admin.describe(transactionalId);
    }

    public List<ListTransactionsResponse.TransactionState> list(Set<TxnState> states, boolean filterStates,
                                                               Set<Long> producerIds, long durationMs,
                                                               Pattern pattern, long now) {
        return admin.list(states, filterStates, producerIds, durationMs, pattern, now);
    }

    /** Aborts timed-out transactions now (tests; the timer does it every abort interval). */
    public void abortTimedOutNow(WriteContext ctx) {
        admin.abortTimedOut(ctx);
    }

    /** Removes expired transactional ids now (tests; the timer does it every cleanup interval); returns how many. */
    public int expireNow(WriteContext ctx) {
        return admin.expireTransactionalIds(ctx);
    }

    /**
     * A deterministic description of every transactional id as its records say (tests compare a shard with a
     * fresh load of its partition).
     */
    public String describeState() {
        StringBuilder sb = new StringBuilder();
        for (TxnMetadata m : txns.values()) {
            sb.append(m.transactionalId).append(' ').append(m.state.displayName()).append(" pid=").append(m.producerId)
                    .append(" epoch=").append(m.producerEpoch).append(" prev=").append(m.previousProducerId)
                    .append(" next=").append(m.nextProducerId).append(" timeout=").append(m.timeoutMs)
                    .append(" start=").append(m.startMs).append(" updated=").append(m.lastUpdateMs)
                    .append(" tv=").append(m.clientTransactionVersion).append(' ').append(m.partitions).append('\n');
        }
        return sb.toString();
    }

    /** The state name of {@code transactionalId}, or null (tests). */
    public String stateOf(String transactionalId) {
        TxnMetadata m = txns.get(transactionalId);
        return m == null ? null : m.state.displayName();
    }

    /** The partitions of {@code transactionalId}'s transaction still waiting for a marker (tests). */
    public List<TopicPartition> markersPending(String transactionalId) {
        TxnMetadata m = txns.get(transactionalId);
        return m == null || m.markers == null ? List.of() : List.copyOf(m.markers.pending);
    }
}
