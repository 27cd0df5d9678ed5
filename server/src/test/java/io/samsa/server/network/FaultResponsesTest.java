package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import io.samsa.wire.message.WriteTxnMarkersResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaultResponsesTest {
    @Test
    void writeTxnMarkersAnswersTheErrorForEveryPartitionOfEveryMarker() {
        assertTrue(FaultResponses.canAnswer(WriteTxnMarkersRequest.API_KEY));
        WriteTxnMarkersRequest req = new WriteTxnMarkersRequest().setMarkers(List.of(
                new WriteTxnMarkersRequest.WritableTxnMarker().setProducerId(7).setTopics(List.of(
                        new WriteTxnMarkersRequest.WritableTxnMarkerTopic().setName("a")
                                .setPartitionIndexes(List.of(0, 2)),
                        new WriteTxnMarkersRequest.WritableTxnMarkerTopic().setName("b")
                                .setPartitionIndexes(List.of(1)))),
                new WriteTxnMarkersRequest.WritableTxnMarker().setProducerId(9).setTopics(List.of(
                        new WriteTxnMarkersRequest.WritableTxnMarkerTopic().setName("a")
                                .setPartitionIndexes(List.of(5))))));

        WriteTxnMarkersResponse resp = (WriteTxnMarkersResponse) FaultResponses.errorResponse(
                WriteTxnMarkersRequest.API_KEY, req, ErrorCode.NOT_ENOUGH_REPLICAS);

        StringBuilder seen = new StringBuilder();
        for (WriteTxnMarkersResponse.WritableTxnMarkerResult m : resp.markers()) {
            for (WriteTxnMarkersResponse.WritableTxnMarkerTopicResult t : m.topics()) {
                for (WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult p : t.partitions()) {
                    seen.append(m.producerId()).append(' ').append(t.name()).append('-').append(p.partitionIndex())
                            .append(' ').append(ErrorCode.forCode(p.errorCode())).append('\n');
                }
            }
        }
        assertEquals("""
                7 a-0 NOT_ENOUGH_REPLICAS
                7 a-2 NOT_ENOUGH_REPLICAS
                7 b-1 NOT_ENOUGH_REPLICAS
                9 a-5 NOT_ENOUGH_REPLICAS
                """, seen.toString());
    }
}
