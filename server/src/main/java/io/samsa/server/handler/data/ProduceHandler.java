package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.log.AppendResult;
import io.samsa.replication.DelayedOperation;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.partition.ReplicaManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * <p>Transactions do not exist yet: a request with a transactional id or a transactional batch gets
 * INVALID_TXN_STATE per partition. Writes to internal topics are refused with INVALID_TOPIC_EXCEPTION unless the
 * client id is {@code __admin_client} (Kafka's rule).
 *
 * <p>Runs on the connection's event loop; appends run on the shards; the response is sent from whichever thread
 * completes last (the sink hops back). Stateless and thread-safe.
 */
final class ProduceHandler implements ApiHandler {
    static final String ADMIN_CLIENT_ID = "__admin_client";

    private final ReplicaManager replicas;

    ProduceHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ProduceRequest req = (ProduceRequest) request;
        short version = ctx.apiVersion();
        short acks = req.acks();
        ProduceOp op = new ProduceOp(ctx, sink, acks, req.timeoutMs(), replicas);
        boolean badAcks = acks != 0 && acks != 1 && acks != -1;
        for (ProduceRequest.TopicProduceData topic : req.topicData()) {
            String name = version >= 13 ? replicas.topicName(topic.topicId()) : topic.name();
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
                Partition p = replicas.partition(name, pd.index());
                ErrorCode err = precheck(ctx, req, name, pd, p, op, pr, version);
                if (err == null) {
                    op.appends.add(new PartitionAppend(op, p, ((ByteBufRecords) pd.records()).buffer(), pr));
                }
            }
        }
        op.dispatch(replicas);
    }

    /** Kafka's checks before an append; returns null when the append may go ahead, else fails {@code pr}. */
    private ErrorCode precheck(RequestContext ctx, ProduceRequest req, String name,
                               ProduceRequest.PartitionProduceData pd, Partition p, ProduceOp op,
                               ProduceResponse.PartitionProduceResponse pr, short version) {
        // The partition's name is built only for an error message: no string per partition on the happy path.
        if (p == null) {
            TopicImage t = replicas.image().topic(name);
            if (t != null && t.partition(pd.index()) != null) {
                return op.fail(pr, ErrorCode.NOT_LEADER_OR_FOLLOWER, "This broker does not host " + tp(name, pd));
            }
            return op.fail(pr, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host " + tp(name, pd));
        }
        if (TopicNames.isInternal(name) && !ADMIN_CLIENT_ID.equals(ctx.clientId())) {
            return op.fail(pr, ErrorCode.INVALID_TOPIC_EXCEPTION, "Cannot append to internal topic " + name);
        }
        if (req.transactionalId() != null) {
            return op.fail(pr, ErrorCode.INVALID_TXN_STATE, "Transactional produce to " + tp(name, pd)
                    + " is not supported: this broker does not run transactions yet");
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
            return op.fail(pr, ErrorCode.INVALID_TXN_STATE, "Transactional batch for " + tp(name, pd)
                    + " refused: this broker does not run transactions yet");
        }
        return null;
    }

    private static String tp(String name, ProduceRequest.PartitionProduceData pd) {
        return name + "-" + pd.index();
    }

    /** One partition's append; runs on the partition's shard. */
    private static final class PartitionAppend implements Runnable {
        final ProduceOp op;
        final Partition partition;
        final ByteBuf records;
        final ProduceResponse.PartitionProduceResponse response;
        AppendResult result;

        PartitionAppend(ProduceOp op, Partition partition, ByteBuf records,
                        ProduceResponse.PartitionProduceResponse response) {
            this.op = op;
            this.partition = partition;
            this.records = records;
            this.response = response;
        }

        @Override
        public void run() {
            try {
                result = partition.appendAsLeader(records, op.acks);
                response.setBaseOffset(result.firstOffset()).setLogAppendTimeMs(result.logAppendTime())
                        .setLogStartOffset(result.logStartOffset());
            } catch (Throwable t) {
                op.fail(response, DataErrors.code(t, op.ctx.logPrefix()), DataErrors.message(t));
            } finally {
                op.appendDone();
            }
        }

        /** acks=all: the high watermark has passed the batch (or it failed). */
        boolean replicated() {
            return result == null || partition.highWatermark() > result.lastOffset()
                    || result.durable().isCompletedExceptionally() || partition.isDeleted();
        }

        void checkDurable() {
            if (result != null && result.durable().isCompletedExceptionally()) {
                op.fail(response, ErrorCode.KAFKA_STORAGE_ERROR, "The write to " + partition.name()
                        + " could not be made durable");
                result = null;
            }
        }
    }

    /** One produce request: its appends, and (acks=all) its wait in the purgatory. */
    private static final class ProduceOp extends DelayedOperation {
        final RequestContext ctx;
        final ResponseSink sink;
        final short acks;
        final int timeoutMs;
        final ProduceResponse response = new ProduceResponse();
        final List<PartitionAppend> appends = new ArrayList<>();
        final AtomicInteger pending = new AtomicInteger();
        final ReplicaManager replicas;
        volatile boolean anyError;
        private ScheduledFuture<?> timeout;

        ProduceOp(RequestContext ctx, ResponseSink sink, short acks, int timeoutMs, ReplicaManager replicas) {
            super(ctx.eventLoop());
            this.ctx = ctx;
            this.sink = sink;
            this.acks = acks;
            this.timeoutMs = timeoutMs;
            this.replicas = replicas;
        }

        ErrorCode fail(ProduceResponse.PartitionProduceResponse pr, ErrorCode code, String message) {
            anyError = true;
            pr.setErrorCode(code.code()).setErrorMessage(message).setBaseOffset(-1).setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1);
            return code;
        }

        void dispatch(ReplicaManager replicas) {
            pending.set(appends.size() + 1);
            for (PartitionAppend a : appends) {
                EventLoop shard = replicas.shardOf(a.partition);
                if (shard == null || shard.inEventLoop()) {
                    a.run();
                } else {
                    shard.execute(a);
                }
            }
            appendDone();
        }

        void appendDone() {
            if (pending.decrementAndGet() == 0) {
                if (ctx.eventLoop().inEventLoop()) {
                    appendsFinished();
                } else {
                    ctx.eventLoop().execute(this::appendsFinished);
                }
            }
        }

        /** Every append is done; answer according to acks. Connection event loop. */
        private void appendsFinished() {
            if (acks == 0) {
                if (anyError) {
                    sink.closeConnection("acks=0 produce failed");
                } else {
                    sink.sendNothing();
                }
                complete();
                return;
            }
            if (acks == 1) {
                List<CompletableFuture<Void>> waiting = new ArrayList<>();
                for (PartitionAppend a : appends) {
                    if (a.result != null && !a.result.durable().isDone()) {
                        waiting.add(a.result.durable());
                    }
                }
                if (waiting.isEmpty()) {
                    complete();
                } else {
                    CompletableFuture.allOf(waiting.toArray(new CompletableFuture<?>[0]))
                            .whenComplete((v, e) -> ctx.eventLoop().execute(this::complete));
                }
                return;
            }
            if (tryComplete()) {
                return;
            }
            for (PartitionAppend a : appends) {
                if (a.result != null) {
                    a.partition.watch(this);
                }
            }
            if (tryComplete()) {
                return;
            }
            timeout = ctx.eventLoop().schedule(this::expire, Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        }

        @Override
        protected boolean tryComplete() {
            for (PartitionAppend a : appends) {
                if (!a.replicated()) {
                    return false;
                }
            }
            return complete();
        }

        @Override
        protected void onComplete(boolean expired) {
            if (acks == 0) {
                return;
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
            for (PartitionAppend a : appends) {
                a.checkDurable();
                if (expired && acks == -1 && !a.replicated()) {
                    fail(a.response, ErrorCode.REQUEST_TIMED_OUT, "The high watermark of " + a.partition.name()
                            + " did not reach offset " + a.result.lastOffset() + " within " + timeoutMs + " ms");
                }
            }
            if (ctx.apiVersion() >= 10) {
                CurrentLeaders.fill(response, replicas.image(), ctx.listenerName(), ctx.apiVersion());
            }
            sink.send(response);
        }
    }
}
