package io.samsa.server.handler.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.server.coordinator.LocalMarkers;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import io.samsa.wire.message.WriteTxnMarkersResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * WriteTxnMarkers (key 27), v1-2: a transaction coordinator (another broker's, or {@code kafka-transactions.sh abort}
 * through the admin client) ends a producer's transaction in the partitions this broker leads. Each marker entry is
 * written by {@link LocalMarkers} (control batches appended with acks=all on the partitions' shards, checked against
 * the producer epoch and the coordinator epoch; {@code __consumer_offsets} partitions through the group
 * coordinator); v2 carries the transaction's protocol (KIP-1228), v1 means V1. Every partition is answered with its
 * own error. Samsa has no ACLs, so CLUSTER_ACTION is not checked. Called on the connection's event loop, which the
 * appends gather on. Thread-safe.
 */
final class WriteTxnMarkersHandler implements ApiHandler {
    private final LocalMarkers markers;

    WriteTxnMarkersHandler(LocalMarkers markers) {
        this.markers = markers;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        WriteTxnMarkersRequest req = (WriteTxnMarkersRequest) request;
        List<CompletableFuture<WriteTxnMarkersResponse.WritableTxnMarkerResult>> results = new ArrayList<>();
        for (WriteTxnMarkersRequest.WritableTxnMarker m : req.markers()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (WriteTxnMarkersRequest.WritableTxnMarkerTopic t : m.topics()) {
                for (int p : t.partitionIndexes()) {
                    partitions.add(new TopicPartition(t.name(), p));
                }
            }
            short tv = ctx.apiVersion() >= 2 ? m.transactionVersion() : 0;
            results.add(markers.write(m.producerId(), m.producerEpoch(), m.transactionResult(), m.coordinatorEpoch(),
                    tv, partitions, ctx.executor()).thenApply(errors -> result(m.producerId(), partitions, errors)));
        }
        CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).whenComplete((v, t) -> {
            WriteTxnMarkersResponse resp = new WriteTxnMarkersResponse();
            for (CompletableFuture<WriteTxnMarkersResponse.WritableTxnMarkerResult> f : results) {
                resp.markers().add(f.join());
            }
            sink.send(resp);
        });
    }

    /** One marker's answer: its partitions' errors by topic, in request order. */
    private static WriteTxnMarkersResponse.WritableTxnMarkerResult result(long producerId,
                                                                         List<TopicPartition> partitions,
                                                                         Map<TopicPartition, ErrorCode> errors) {
        Map<String, WriteTxnMarkersResponse.WritableTxnMarkerTopicResult> topics = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            topics.computeIfAbsent(tp.topic(), n -> new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult()
                    .setName(n)).partitions().add(new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult()
                    .setPartitionIndex(tp.partition())
                    .setErrorCode(errors.getOrDefault(tp, ErrorCode.UNKNOWN_SERVER_ERROR).code()));
        }
        return new WriteTxnMarkersResponse.WritableTxnMarkerResult().setProducerId(producerId)
                .setTopics(new ArrayList<>(topics.values()));
    }
}
