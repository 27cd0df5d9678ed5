package io.samsa.server.coordinator;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import io.samsa.wire.message.WriteTxnMarkersResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The transaction coordinator's {@link TransactionMarkerWriter} on this broker: each partition's marker goes to the
 * partition's leader as the metadata image names it. Partitions led here are written directly ({@link LocalMarkers}:
 * no request, no hop through the network); the others are grouped by leader into one WriteTxnMarkers request each
 * (v2: it carries the transaction version, KIP-1228) sent through replication's {@link BrokerChannel}, whose failures
 * (no connection, no answer in time) come back as the partitions' errors, which the coordinator retries. A partition
 * whose topic or partition is gone is done (NONE), as Kafka drops it; one without a leader answers
 * NOT_LEADER_OR_FOLLOWER (retried). Called on the coordinator's thread; never blocks; the futures complete on any
 * thread.
 */
final class TxnMarkerSender implements TransactionMarkerWriter {
    static final short WRITE_TXN_MARKERS_VERSION = 2;

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final LocalMarkers local;
    private final BrokerChannel channel;

    TxnMarkerSender(int nodeId, Supplier<MetadataImage> image, LocalMarkers local, BrokerChannel channel) {
        this.nodeId = nodeId;
        this.image = image;
        this.local = local;
        this.channel = channel;
    }

    @Override
    public List<CompletableFuture<ErrorCode>> writeMarkers(Markers m) {
        MetadataImage img = image.get();
        List<CompletableFuture<ErrorCode>> out = new ArrayList<>(m.partitions().size());
        Map<TopicPartition, CompletableFuture<ErrorCode>> byPartition = new HashMap<>();
        List<TopicPartition> here = new ArrayList<>();
        Map<Integer, List<TopicPartition>> remote = new LinkedHashMap<>();
        for (TopicPartition tp : m.partitions()) {
            CompletableFuture<ErrorCode> f = new CompletableFuture<>();
            out.add(f);
            byPartition.put(tp, f);
            TopicImage t = img.topic(tp.topic());
            PartitionRegistration p = t == null ? null : t.partition(tp.partition());
            if (p == null) {
                f.complete(ErrorCode.NONE);
            } else if (p.leader() < 0) {
                f.complete(ErrorCode.NOT_LEADER_OR_FOLLOWER);
            } else if (p.leader() == nodeId) {
                here.add(tp);
            } else {
                remote.computeIfAbsent(p.leader(), n -> new ArrayList<>()).add(tp);
            }
        }
        if (!here.isEmpty()) {
            local.write(m.producerId(), m.producerEpoch(), m.commit(), m.coordinatorEpoch(), m.transactionVersion(),
                    here, null).thenAccept(r -> r.forEach((tp, e) -> byPartition.get(tp).complete(e)));
        }
        remote.forEach((node, partitions) -> send(node, m, partitions, byPartition));
        return out;
    }

    private void send(int node, Markers m, List<TopicPartition> partitions,
                      Map<TopicPartition, CompletableFuture<ErrorCode>> byPartition) {
        WriteTxnMarkersRequest req = new WriteTxnMarkersRequest().setMarkers(List.of(request(m, partitions)));
        CompletableFuture<BrokerResponse> sent;
        try {
            sent = channel.send(node, req, WRITE_TXN_MARKERS_VERSION);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((resp, t) -> {
            Map<TopicPartition, ErrorCode> answered = new HashMap<>();
            if (t == null) {
                try (resp) {
                    for (WriteTxnMarkersResponse.WritableTxnMarkerResult r
                            : resp.body(WriteTxnMarkersResponse.class).markers()) {
                        for (WriteTxnMarkersResponse.WritableTxnMarkerTopicResult tr : r.topics()) {
                            for (WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult pr : tr.partitions()) {
                                answered.put(new TopicPartition(tr.name(), pr.partitionIndex()),
                                        ErrorCode.forCode(pr.errorCode()));
                            }
                        }
                    }
                }
            }
            ErrorCode failed = t == null ? ErrorCode.REQUEST_TIMED_OUT : failure(t);
            for (TopicPartition tp : partitions) {
                // A partition the answer leaves out got no answer: retried as a timeout.
                byPartition.get(tp).complete(answered.getOrDefault(tp, failed));
            }
        });
    }

    /** The WriteTxnMarkers entry for {@code partitions}, grouped by topic. */
    static WriteTxnMarkersRequest.WritableTxnMarker request(Markers m, List<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), x -> new ArrayList<>()).add(tp.partition());
        }
        List<WriteTxnMarkersRequest.WritableTxnMarkerTopic> topics = new ArrayList<>();
        byTopic.forEach((topic, indexes) -> topics.add(new WriteTxnMarkersRequest.WritableTxnMarkerTopic()
                .setName(topic).setPartitionIndexes(indexes)));
        return new WriteTxnMarkersRequest.WritableTxnMarker().setProducerId(m.producerId())
                .setProducerEpoch(m.producerEpoch()).setTransactionResult(m.commit())
                .setCoordinatorEpoch(m.coordinatorEpoch()).setTransactionVersion((byte) m.transactionVersion())
                .setTopics(topics);
    }

    private static ErrorCode failure(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && !(c instanceof SamsaException)) {
            c = c.getCause();
        }
        return c instanceof SamsaException s ? s.errorCode() : ErrorCode.NETWORK_EXCEPTION;
    }
}
