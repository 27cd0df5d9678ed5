package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.samsa.coordinator.TopicPartition;
import io.samsa.metadata.TopicNames;
import io.samsa.log.AppendResult;
import io.samsa.log.RecordError;
import io.samsa.log.RecordValidationException;
import io.samsa.log.VerificationGuard;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.Partition;
import io.samsa.server.coordinator.TransactionVerifier;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Produce (key 0), v3-13 (v0-2 cannot carry RecordBatch v2). Checks each partition (topic known, this node
 * leads it, exactly one v2 batch, not transactional, not an internal topic), appends on the partition's shard,
 * then answers by {@code acks}: 0 sends nothing (or closes the connection when a partition failed, as Kafka
 * does), 1 answers once the appends are done (and durable, when the topic fsyncs every message), -1 (all) once
 * the high watermark has passed every batch, or REQUEST_TIMED_OUT after {@code timeout_ms}. Other acks values
 * get INVALID_REQUIRED_ACKS. v13+ (KIP-516) names topics by id (UNKNOWN_TOPIC_ID). v10+ (KIP-951): a partition
 * failing with NOT_LEADER_OR_FOLLOWER carries the leader and epoch the metadata knows, and the response the
 * leaders' endpoints ({@link CurrentLeaders}).
 *
 * <p>Transactions (KIP-98, KIP-890): a transactional batch (the request must name its transactional id, else
 * INVALID_TXN_STATE) is appended only once its transaction's coordinator has confirmed the partition: the first batch
 * of a transaction in a partition starts a verification on the partition's shard and waits ({@link
 * DelayedProduce.Append#defer()}) while the {@link TransactionVerifier} asks the coordinator, verify-only for v3-11
 * (part 1; skipped when {@code transaction.partition.verification.enable=false}) and as the add itself for v12+ (part
 * 2, the V2 protocol), then appends with the partition's verification guard; later batches of the ongoing transaction
 * append at once. The coordinator's answers are mapped as Kafka maps them: retriable coordinator errors as
 * NOT_ENOUGH_REPLICAS (which an older producer retries without a metadata refresh), CONCURRENT_TRANSACTIONS kept only
 * for v12+ (retried on the broker first), TRANSACTION_ABORTABLE as INVALID_TXN_STATE before v11. The partition checks
 * the producer epoch (INVALID_PRODUCER_EPOCH). Non-transactional requests take none of this path. Writes to internal
 * topics are refused with INVALID_TOPIC_EXCEPTION unless the client id is {@code __admin_client} (Kafka's rule).
 *
 * <p>Appending and acks belong to replication's {@link DelayedProduce}; this handler does the protocol: the checks,
 * the response, acks=0's silence. Threads: the connection's event loop; each append on its partition's shard; the
 * answer back on the connection's loop (loop -> shard -> loop, no other hop). Stateless and thread-safe.
 */
final class ProduceHandler implements ApiHandler {
    static final String ADMIN_CLIENT_ID = "__admin_client";

    private final PartitionLookup partitions;
    /** Null while the broker runs no transaction coordinator: transactional batches are refused. */
    private final TransactionVerifier verifier;
    /** transaction.partition.verification.enable: verify before v12 (v12+ always add). */
    private final boolean verifyV1;
    /**
     * Per transactional producer id, the completion of its latest produce request: a transactional producer's
     * pipelined requests run one after the other, in the order they arrived, so that a batch never overtakes an
     * earlier one that waits for its verification (Kafka reads one request per connection at a time). An entry is
     * removed when its request completes and no later one has come.
     */
    private final ConcurrentHashMap<Long, CompletableFuture<Void>> turns = new ConcurrentHashMap<>();

    ProduceHandler(PartitionLookup partitions) {
        this(partitions, null, false);
    }

    ProduceHandler(PartitionLookup partitions, TransactionVerifier verifier, boolean verifyV1) {
        this.partitions = partitions;
        this.verifier = verifier;
        this.verifyV1 = verifyV1;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ProduceRequest req = (ProduceRequest) request;
        short version = ctx.apiVersion();
        short acks = req.acks();
        boolean badAcks = acks != 0 && acks != 1 && acks != -1;
        // Bad acks fail every partition, append nothing and are answered: complete like acks=all with no appends.
        ProduceOp op = new ProduceOp(ctx, sink, badAcks ? -1 : acks, req.timeoutMs(), req.topicData().size(),
                req.transactionalId());
        for (ProduceRequest.TopicProduceData topic : req.topicData()) {
            String name = version >= 13 ? partitions.topicName(topic.topicId()) : topic.name();
            ProduceResponse.TopicProduceResponse tr = new ProduceResponse.TopicProduceResponse();
            if (version >= 13) {
                tr.setTopicId(topic.topicId());
            } else {
                tr.setName(topic.name());
            }
            op.response.responses().add(tr);
            for (ProduceRequest.PartitionProduceData pd : topic.partitionData()) {
                ProduceResponse.PartitionProduceResponse pr = new ProduceResponse.PartitionProduceResponse()
                        .setIndex(pd.index()).setBaseOffset(-1);
                tr.partitionResponses().add(pr);
                if (badAcks) {
                    op.fail(pr, ErrorCode.INVALID_REQUIRED_ACKS, "Invalid required acks " + acks
                            + " (must be -1, 0 or 1)");
                    continue;
                }
                if (name == null) {
                    op.fail(pr, ErrorCode.UNKNOWN_TOPIC_ID, "Unknown topic id " + topic.topicId());
                    continue;
                }
                Partition p = partitions.partition(name, pd.index());
                ErrorCode err = precheck(ctx, req, name, pd, p, op, pr, version);
                if (err == null) {
                    ByteBuf records = ((ByteBufRecords) pd.records()).buffer();
                    op.add(isTransactional(records) ? op.transactional(p, records, pr, name)
                            : new PartitionAppend(p, records, pr));
                }
            }
        }
        if (op.txnProducerId >= 0) {
            startInTurn(op);
        } else {
            op.start();
        }
    }

    /** A transactional request starts once the same producer's previous request has completed. Event loop. */
    private void startInTurn(ProduceOp op) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        op.turn = mine;
        CompletableFuture<Void> before = turns.put(op.txnProducerId, mine);
        if (before == null || before.isDone()) {
            op.start();
        } else {
            before.whenComplete((v, t) -> op.ctx.executor().execute(op::start));
        }
    }

    /** Kafka's checks before an append; returns null when the append may go ahead, else fails {@code pr}. */
    private ErrorCode precheck(RequestContext ctx, ProduceRequest req, String name,
                               ProduceRequest.PartitionProduceData pd, Partition p, ProduceOp op,
                               ProduceResponse.PartitionProduceResponse pr, short version) {
        // The partition's name is built only for an error message: no string per partition on the happy path.
        if (p == null) {
            if (partitions.notHosted(name, pd.index()) == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                return op.fail(pr, ErrorCode.NOT_LEADER_OR_FOLLOWER, "This broker does not host " + tp(name, pd));
            }
            return op.fail(pr, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host " + tp(name, pd));
        }
        if (TopicNames.isInternal(name) && !ADMIN_CLIENT_ID.equals(ctx.clientId())) {
            return op.fail(pr, ErrorCode.INVALID_TOPIC_EXCEPTION, "Cannot append to internal topic " + name);
        }
        if (req.transactionalId() != null && verifier == null) {
            return op.fail(pr, ErrorCode.INVALID_TXN_STATE, "Transactional produce to " + tp(name, pd)
                    + " is not supported: this broker does not run transactions");
        }
        Records records = pd.records();
        if (!(records instanceof ByteBufRecords br) || br.sizeInBytes() == 0) {
            return op.fail(pr, ErrorCode.INVALID_RECORD, "Produce requests with version " + version
                    + " must have at least one record batch per partition (" + tp(name, pd) + ")");
        }
        ByteBuf buf = br.buffer();
        int start = buf.readerIndex();
        int total = buf.readableBytes();
        int size = RecordBatchView.peekSize(buf, start, start + total);
        if (size < RecordBatchView.HEADER_SIZE || size > total) {
            return op.fail(pr, ErrorCode.CORRUPT_MESSAGE, "The record batch for " + tp(name, pd)
                    + " is truncated or corrupt (" + total + " bytes, batch size " + size + ")");
        }
        if (size != total) {
            return op.fail(pr, ErrorCode.INVALID_RECORD, "Produce requests with version " + version
                    + " are only allowed to contain exactly one record batch per partition (" + tp(name, pd)
                    + ")");
        }
        if (buf.getByte(start + RecordBatchView.MAGIC_OFFSET) != RecordBatchView.MAGIC_V2) {
            return op.fail(pr, ErrorCode.INVALID_RECORD, "Produce requests with version " + version
                    + " are only allowed to contain record batches with magic version 2 (" + tp(name, pd)
                    + ")");
        }
        short attributes = buf.getShort(start + RecordBatchView.ATTRIBUTES_OFFSET);
        if ((attributes & RecordBatchView.COMPRESSION_MASK) == 4 && version < 7) {
            return op.fail(pr, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, "Produce requests to " + tp(name, pd)
                    + " with ZStandard compressed records need version 7 or later, not " + version);
        }
        if ((attributes & RecordBatchView.TRANSACTIONAL_MASK) != 0) {
            if (verifier == null || req.transactionalId() == null) {
                return op.fail(pr, ErrorCode.INVALID_TXN_STATE, "Transactional batch for " + tp(name, pd)
                        + " refused: " + (verifier == null ? "this broker does not run transactions"
                        : "the request names no transactional id"));
            }
            long pid = buf.getLong(start + RecordBatchView.PRODUCER_ID_OFFSET);
            if (op.txnProducerId >= 0 && pid != op.txnProducerId) {
                return op.fail(pr, ErrorCode.INVALID_PRODUCER_ID_MAPPING, "Transactional batches of producers "
                        + op.txnProducerId + " and " + pid + " in one request");
            }
            op.txnProducerId = pid;
        }
        return null;
    }

    private static boolean isTransactional(ByteBuf records) {
        return (records.getShort(records.readerIndex() + RecordBatchView.ATTRIBUTES_OFFSET)
                & RecordBatchView.TRANSACTIONAL_MASK) != 0;
    }

    /**
     * A verification refused by the coordinator, as Kafka answers it to a producer of this Produce version: retriable
     * coordinator errors as NOT_ENOUGH_REPLICAS (no metadata refresh), CONCURRENT_TRANSACTIONS too before v12 (v12+
     * producers know it), TRANSACTION_ABORTABLE as INVALID_TXN_STATE before v11.
     */
    static ErrorCode verificationError(ErrorCode e, short version) {
        return switch (e) {
            case NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR,
                 REQUEST_TIMED_OUT, BROKER_NOT_AVAILABLE -> ErrorCode.NOT_ENOUGH_REPLICAS;
            case CONCURRENT_TRANSACTIONS -> version >= 12 ? e : ErrorCode.NOT_ENOUGH_REPLICAS;
            case TRANSACTION_ABORTABLE -> version >= 11 ? e : ErrorCode.INVALID_TXN_STATE;
            default -> e;
        };
    }

    private static String tp(String name, ProduceRequest.PartitionProduceData pd) {
        return name + "-" + pd.index();
    }

    /** One partition's append and the response it fills. */
    private static class PartitionAppend extends DelayedProduce.Append {
        final ProduceResponse.PartitionProduceResponse response;

        PartitionAppend(Partition partition, ByteBuf records, ProduceResponse.PartitionProduceResponse response) {
            super(partition, records);
            this.response = response;
        }
    }

    /**
     * v8+ (KIP-467): the records a batch was refused for ({@code record_errors}, each with its index in the batch
     * and message), when the log named them (INVALID_RECORD or INVALID_TIMESTAMP).
     */
    static void setRecordErrors(ProduceResponse.PartitionProduceResponse response, Throwable error, short version) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (version < 8 || !(cause instanceof RecordValidationException e)) {
            return;
        }
        List<ProduceResponse.BatchIndexAndErrorMessage> errors = new ArrayList<>(e.recordErrors().size());
        for (RecordError re : e.recordErrors()) {
            errors.add(new ProduceResponse.BatchIndexAndErrorMessage().setBatchIndex(re.batchIndex())
                    .setBatchIndexErrorMessage(re.message()));
        }
        response.setRecordErrors(errors);
    }

    /**
     * A transactional batch: on its first run on the shard it starts its transaction's verification unless the
     * transaction is ongoing there already, and then waits for the coordinator's answer; it appends with the guard.
     */
    private static final class TxnAppend extends PartitionAppend {
        final TopicPartition tp;
        final long producerId;
        final short producerEpoch;
        final int baseSequence;
        final boolean verify;
        final boolean add;
        private boolean started;

        TxnAppend(Partition partition, ByteBuf records, ProduceResponse.PartitionProduceResponse response,
                  TopicPartition tp, boolean verify, boolean add) {
            super(partition, records, response);
            int at = records.readerIndex();
            this.tp = tp;
            this.producerId = records.getLong(at + RecordBatchView.PRODUCER_ID_OFFSET);
            this.producerEpoch = records.getShort(at + RecordBatchView.PRODUCER_EPOCH_OFFSET);
            this.baseSequence = records.getInt(at + RecordBatchView.BASE_SEQUENCE_OFFSET);
            this.verify = verify;
            this.add = add;
        }

        @Override
        protected void runOnShard() {
            if (verify && !started) {
                started = true;
                VerificationGuard g = partition.startTransactionVerification(producerId, baseSequence, producerEpoch,
                        add);
                guard(g);
                if (g.isGuard()) {
                    defer();
                    return;
                }
            }
            super.runOnShard();
        }
    }

    /** One produce request: its checks' failures, its appends and acks (replication's), its response. */
    private final class ProduceOp extends DelayedProduce<PartitionAppend> {
        final RequestContext ctx;
        final ResponseSink sink;
        final ProduceResponse response = new ProduceResponse();
        /** A partition failed (connection loop only): acks=0 then closes the connection. */
        boolean anyError;
        /** The producer of the request's transactional batches, -1 before the first. */
        long txnProducerId = -1;
        /** The request's transactional id (null for an idempotent or plain producer). */
        final String transactionalId;
        /** A transactional request's turn among its producer's requests ({@link #startInTurn}), else null. */
        CompletableFuture<Void> turn;

        ProduceOp(RequestContext ctx, ResponseSink sink, int acks, int timeoutMs, int topics,
                  String transactionalId) {
            super(ctx.executor(), partitions.shards(), acks, Math.max(0, timeoutMs), topics);
            this.ctx = ctx;
            this.sink = sink;
            this.transactionalId = transactionalId;
        }

        TxnAppend transactional(Partition p, ByteBuf records, ProduceResponse.PartitionProduceResponse pr,
                                String name) {
            boolean add = ctx.apiVersion() >= 12;
            return new TxnAppend(p, records, pr, new TopicPartition(name, p.index()), add || verifyV1, add);
        }

        /**
         * Connection event loop: transactional batches wait for their coordinator. Asks it once for all of them (one
         * producer per request), then settles each on this loop and resumes the appends.
         */
        @Override
        protected void onAppendsDeferred() {
            List<TxnAppend> waiting = new ArrayList<>();
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionAppend a : appends()) {
                if (a.isDeferred()) {
                    TxnAppend t = (TxnAppend) a;
                    waiting.add(t);
                    tps.add(t.tp);
                }
            }
            TxnAppend first = waiting.get(0);
            verifier.verify(transactionalId, first.producerId, first.producerEpoch, tps, first.add, ctx.executor())
                    .whenComplete((errors, t) -> ctx.executor().execute(() -> settle(waiting, errors, t)));
        }

        private void settle(List<TxnAppend> waiting, Map<TopicPartition, ErrorCode> errors, Throwable t) {
            short version = ctx.apiVersion();
            for (TxnAppend a : waiting) {
                ErrorCode e = t != null ? ErrorCode.UNKNOWN_SERVER_ERROR
                        : errors.getOrDefault(a.tp, ErrorCode.INVALID_TXN_STATE);
                if (e != ErrorCode.NONE) {
                    ErrorCode mapped = verificationError(e, version);
                    a.reject(new SamsaException(mapped, mapped == ErrorCode.INVALID_TXN_STATE
                            ? "Partition " + a.tp + " was not added to the transaction"
                            : "Unable to verify that " + a.tp + " was added to the transaction: " + e));
                }
            }
            resumeDeferred();
        }

        /** The producer's next request may start. */
        private void endTurn() {
            turn.complete(null);
            turns.remove(txnProducerId, turn);
        }

        ErrorCode fail(ProduceResponse.PartitionProduceResponse pr, ErrorCode code, String message) {
            anyError = true;
            pr.setErrorCode(code.code()).setErrorMessage(message).setBaseOffset(-1).setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1);
            return code;
        }

        /** Connection event loop, once: every append has its outcome. */
        @Override
        protected void onProduceComplete(boolean expired) {
            if (turn != null) {
                endTurn();
            }
            for (PartitionAppend a : appends()) {
                AppendResult r = a.result();
                if (r == null) {
                    fail(a.response, DataErrors.code(a.error(), ctx.logPrefix()), DataErrors.message(a.error()));
                    setRecordErrors(a.response, a.error(), ctx.apiVersion());
                } else {
                    a.response.setBaseOffset(r.firstOffset()).setLogAppendTimeMs(r.logAppendTime())
                            .setLogStartOffset(r.logStartOffset());
                }
            }
            if (requiredAcks() == 0) {
                if (anyError) {
                    sink.closeConnection("acks=0 produce failed");
                } else {
                    sink.sendNothing();
                }
                return;
            }
            if (ctx.apiVersion() >= 10) {
                CurrentLeaders.fill(response, partitions.image(), ctx.listenerName(), ctx.apiVersion());
            }
            sink.send(response);
        }
    }
}
