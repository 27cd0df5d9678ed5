package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.samsa.metadata.TopicNames;
import io.samsa.log.AppendResult;
import io.samsa.log.RecordError;
import io.samsa.log.RecordValidationException;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

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
 * <p>Appending and acks belong to replication's {@link DelayedProduce}; this handler does the protocol: the checks,
 * the response, acks=0's silence. Threads: the connection's event loop; each append on its partition's shard; the
 * answer back on the connection's loop (loop -> shard -> loop, no other hop). Stateless and thread-safe.
 */
final class ProduceHandler implements ApiHandler {
    static final String ADMIN_CLIENT_ID = "__admin_client";

    private final PartitionLookup partitions;

    ProduceHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ProduceRequest req = (ProduceRequest) request;
        short version = ctx.apiVersion();
        short acks = req.acks();
        boolean badAcks = acks != 0 && acks != 1 && acks != -1;
        // Bad acks fail every partition, append nothing and are answered: complete like acks=all with no appends.
        ProduceOp op = new ProduceOp(ctx, sink, badAcks ? -1 : acks, req.timeoutMs(), req.topicData().size());
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
                    op.add(new PartitionAppend(p, ((ByteBufRecords) pd.records()).buffer(), pr));
                }
            }
        }
        op.start();
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

    /** One partition's append and the response it fills. */
    private static final class PartitionAppend extends DelayedProduce.Append {
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

    /** One produce request: its checks' failures, its appends and acks (replication's), its response. */
    private final class ProduceOp extends DelayedProduce<PartitionAppend> {
        final RequestContext ctx;
        final ResponseSink sink;
        final ProduceResponse response = new ProduceResponse();
        /** A partition failed (connection loop only): acks=0 then closes the connection. */
        boolean anyError;

        ProduceOp(RequestContext ctx, ResponseSink sink, int acks, int timeoutMs, int topics) {
            super(ctx.executor(), partitions.shards(), acks, Math.max(0, timeoutMs), topics);
            this.ctx = ctx;
            this.sink = sink;
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
