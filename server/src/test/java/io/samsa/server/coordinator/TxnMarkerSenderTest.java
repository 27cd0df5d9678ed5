package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.TopicRecord;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import io.samsa.wire.message.WriteTxnMarkersResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator's marker writer on a cluster: partitions led by other brokers are grouped into one
 * WriteTxnMarkers v2 per leader through the {@link BrokerChannel}, and each partition's future completes with its
 * own answer; a failed send, or an answer that leaves a partition out, is the partitions' retriable error; a
 * partition without a leader is retried and one whose topic is gone is done.
 */
class TxnMarkerSenderTest {
    private static final UUID ORDERS = new UUID(1, 2);
    private static final int SELF = 1;

    /** orders-0 led by 2, orders-1 and orders-3 by 3, orders-2 without a leader. */
    private static MetadataImage image() {
        return MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(
                new TopicRecord().setName("orders").setTopicId(ORDERS),
                new PartitionRegistration(0, List.of(2), List.of(2), 2, 1, 1).toRecord(ORDERS),
                new PartitionRegistration(1, List.of(3), List.of(3), 3, 1, 1).toRecord(ORDERS),
                new PartitionRegistration(2, List.of(3), List.of(3), -1, 1, 1).toRecord(ORDERS),
                new PartitionRegistration(3, List.of(3), List.of(3), 3, 1, 1).toRecord(ORDERS)), 0, 1);
    }

    /** A channel that records each request and lets the test answer it. */
    private static final class FakeChannel implements BrokerChannel {
        record Sent(int node, WriteTxnMarkersRequest request, short version, CompletableFuture<BrokerResponse> answer) {
        }

        final List<Sent> sent = new ArrayList<>();

        @Override
        public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
            CompletableFuture<BrokerResponse> f = new CompletableFuture<>();
            sent.add(new Sent(nodeId, (WriteTxnMarkersRequest) request, version, f));
            return f;
        }

        @Override
        public void close() {
        }
    }

    private static TopicPartition tp(String topic, int p) {
        return new TopicPartition(topic, p);
    }

    private static WriteTxnMarkersResponse answer(long producerId, ErrorCode error, TopicPartition... partitions) {
        WriteTxnMarkersResponse.WritableTxnMarkerResult r = new WriteTxnMarkersResponse.WritableTxnMarkerResult()
                .setProducerId(producerId);
        for (TopicPartition tp : partitions) {
            WriteTxnMarkersResponse.WritableTxnMarkerTopicResult t =
                    new WriteTxnMarkersResponse.WritableTxnMarkerTopicResult().setName(tp.topic());
            t.partitions().add(new WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult()
                    .setPartitionIndex(tp.partition()).setErrorCode(error.code()));
            r.topics().add(t);
        }
        WriteTxnMarkersResponse resp = new WriteTxnMarkersResponse();
        resp.markers().add(r);
        return resp;
    }

    @Test
    void groupsRemotePartitionsByLeaderAndAnswersEachPartition() {
        FakeChannel channel = new FakeChannel();
        // No partition is led here: the local writer is never asked.
        TxnMarkerSender sender = new TxnMarkerSender(SELF, TxnMarkerSenderTest::image, null, channel);
        List<TopicPartition> partitions = List.of(tp("orders", 0), tp("orders", 1), tp("orders", 2), tp("orders", 3),
                tp("gone", 0));
        List<CompletableFuture<ErrorCode>> results = sender.writeMarkers(new TransactionMarkerWriter.Markers(77,
                (short) 4, true, 9, (short) 2, partitions));

        assertEquals(5, results.size());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, results.get(2).join(), "no leader: retried");
        assertEquals(ErrorCode.NONE, results.get(4).join(), "the topic is gone: nothing left to mark");
        assertEquals(2, channel.sent.size(), "one request per leader");
        FakeChannel.Sent toTwo = channel.sent.get(0);
        FakeChannel.Sent toThree = channel.sent.get(1);
        assertEquals(2, toTwo.node());
        assertEquals(3, toThree.node());
        assertEquals(2, toTwo.version(), "WriteTxnMarkers v2 carries the transaction version");
        WriteTxnMarkersRequest.WritableTxnMarker m = toThree.request().markers().get(0);
        assertEquals(77, m.producerId());
        assertEquals(4, m.producerEpoch());
        assertTrue(m.transactionResult());
        assertEquals(9, m.coordinatorEpoch());
        assertEquals(2, m.transactionVersion());
        assertEquals(1, m.topics().size());
        assertEquals("orders", m.topics().get(0).name());
        assertEquals(List.of(1, 3), m.topics().get(0).partitionIndexes());
        for (int i : new int[] {0, 1, 3}) {
            assertFalse(results.get(i).isDone(), "waits for its leader's answer");
        }

        toTwo.answer().complete(new BrokerResponse(answer(77, ErrorCode.NONE, tp("orders", 0)), () -> { }));
        // Broker 3 answers for orders-1 only: orders-3 got no answer and is retried as a timeout.
        toThree.answer().complete(new BrokerResponse(answer(77, ErrorCode.INVALID_PRODUCER_EPOCH, tp("orders", 1)),
                () -> { }));
        assertEquals(ErrorCode.NONE, results.get(0).join());
        assertEquals(ErrorCode.INVALID_PRODUCER_EPOCH, results.get(1).join());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, results.get(3).join());
    }

    @Test
    void aFailedSendIsEveryPartitionsError() {
        FakeChannel channel = new FakeChannel();
        TxnMarkerSender sender = new TxnMarkerSender(SELF, TxnMarkerSenderTest::image, null, channel);
        List<CompletableFuture<ErrorCode>> results = sender.writeMarkers(new TransactionMarkerWriter.Markers(5,
                (short) 0, false, 1, (short) 0, List.of(tp("orders", 1), tp("orders", 3))));
        channel.sent.get(0).answer().completeExceptionally(new SamsaException(ErrorCode.NETWORK_EXCEPTION,
                "connection closed"));
        assertEquals(ErrorCode.NETWORK_EXCEPTION, results.get(0).join());
        assertEquals(ErrorCode.NETWORK_EXCEPTION, results.get(1).join());
        assertFalse(channel.sent.get(0).request().markers().get(0).transactionResult(), "an abort marker");
    }
}
