package io.samsa.server.handler.txn;

import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.group.CoordinatorCallHandler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * AddPartitionsToTxn (key 24), v0-5. v0-3 come from a V1 producer (one transaction); v4+ from a broker (several
 * transactions, each a verification or, for a V2 producer, the add itself; KIP-890). Before the transaction
 * coordinator is asked, Kafka's topic checks: a partition that does not exist is UNKNOWN_TOPIC_OR_PARTITION and the
 * other partitions of its transaction OPERATION_NOT_ATTEMPTED, without asking. The rest is the coordinator's
 * ({@link TransactionCoordinator#addPartitionsToTxn}). Every operation is authorized (Samsa has no ACLs). Called on
 * the connection's event loop; the answer may come from the coordinator's thread. Thread-safe.
 */
final class AddPartitionsToTxnHandler implements ApiHandler {
    private final TransactionCoordinator coordinator;
    private final Supplier<MetadataImage> image;

    AddPartitionsToTxnHandler(TransactionCoordinator coordinator, Supplier<MetadataImage> image) {
        this.coordinator = coordinator;
        this.image = image;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AddPartitionsToTxnRequest req = (AddPartitionsToTxnRequest) request;
        MetadataImage img = image.get();
        if (ctx.apiVersion() < 4) {
            List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> refused = refused(img,
                    req.v3AndBelowTopics());
            if (refused != null) {
                sink.send(new AddPartitionsToTxnResponse().setResultsByTopicV3AndBelow(refused));
                return;
            }
            CoordinatorCallHandler.call(ctx, sink, () -> coordinator.addPartitionsToTxn(
                    CoordinatorCallHandler.meta(ctx), req), () -> new AddPartitionsToTxnResponse()
                    .setResultsByTopicV3AndBelow(uniform(req.v3AndBelowTopics(), ErrorCode.UNKNOWN_SERVER_ERROR)));
            return;
        }
        Map<String, AddPartitionsToTxnResponse.AddPartitionsToTxnResult> answered = new LinkedHashMap<>();
        List<AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction> asked = new ArrayList<>();
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction t : req.transactions()) {
            List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> refused = refused(img, t.topics());
            if (refused != null) {
                answered.put(t.transactionalId(), new AddPartitionsToTxnResponse.AddPartitionsToTxnResult()
                        .setTransactionalId(t.transactionalId()).setTopicResults(refused));
            } else {
                asked.add(t);
            }
        }
        if (asked.isEmpty()) {
            sink.send(new AddPartitionsToTxnResponse().setResultsByTransaction(new ArrayList<>(answered.values())));
            return;
        }
        AddPartitionsToTxnRequest forward = new AddPartitionsToTxnRequest().setTransactions(asked);
        CoordinatorCallHandler.call(ctx, sink, () -> coordinator.addPartitionsToTxn(CoordinatorCallHandler.meta(ctx),
                forward).thenApply(resp -> {
                    List<AddPartitionsToTxnResponse.AddPartitionsToTxnResult> all =
                            new ArrayList<>(answered.values());
                    all.addAll(resp.resultsByTransaction());
                    return resp.setResultsByTransaction(all);
                }), () -> new AddPartitionsToTxnResponse().setErrorCode(ErrorCode.UNKNOWN_SERVER_ERROR.code()));
    }

    /**
     * The per-topic answer when a partition does not exist (it UNKNOWN_TOPIC_OR_PARTITION, the others
     * OPERATION_NOT_ATTEMPTED), or null when every partition exists.
     */
    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> refused(
            MetadataImage img, List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics) {
        boolean any = false;
        List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> out = new ArrayList<>();
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : topics) {
            TopicImage ti = img.topic(t.name());
            AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult tr =
                    new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(t.name());
            for (int p : t.partitions()) {
                boolean missing = ti == null || ti.partition(p) == null;
                any |= missing;
                tr.resultsByPartition().add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                        .setPartitionIndex(p).setPartitionErrorCode(missing
                                ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code() : ErrorCode.NONE.code()));
            }
            out.add(tr);
        }
        if (!any) {
            return null;
        }
        for (AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult tr : out) {
            for (AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult pr : tr.resultsByPartition()) {
                if (pr.partitionErrorCode() == ErrorCode.NONE.code()) {
                    pr.setPartitionErrorCode(ErrorCode.OPERATION_NOT_ATTEMPTED.code());
                }
            }
        }
        return out;
    }

    private static List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> uniform(
            List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics, ErrorCode e) {
        List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> out = new ArrayList<>();
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : topics) {
            AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult tr =
                    new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(t.name());
            for (int p : t.partitions()) {
                tr.resultsByPartition().add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult()
                        .setPartitionIndex(p).setPartitionErrorCode(e.code()));
            }
            out.add(tr);
        }
        return out;
    }
}
