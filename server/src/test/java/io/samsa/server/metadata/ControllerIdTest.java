package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The controller id a broker tells clients ({@link BrokerMetadata#controllerId}): always a live broker (registered,
 * unfenced), since clients cannot reach a controller-only node nor use a fenced one: the Raft leader when it is one,
 * else the answering broker when it is live, else the live broker with the lowest id, -1 when none is live.
 */
class ControllerIdTest {
    private static final List<Endpoint> ENDPOINTS = List.of(new Endpoint("PLAINTEXT", "h", 9092, "PLAINTEXT"));

    /** Brokers 2 to 5; {@code fenced} fenced, {@code shuttingDown} in controlled shutdown (unfenced). */
    private static MetadataImage image(List<Integer> fenced, List<Integer> shuttingDown) {
        List<Message> records = new ArrayList<>();
        for (int id = 2; id <= 5; id++) {
            records.add(new BrokerRegistration(id, 10 + id, new UUID(0, id), null, ENDPOINTS, Map.of(),
                    fenced.contains(id), shuttingDown.contains(id)).toRecord());
        }
        return MetadataDelta.replayAll(MetadataImage.EMPTY, records, 0, 1);
    }

    @Test
    void theRaftLeaderWhenItIsALiveBroker() {
        assertEquals(3, BrokerMetadata.controllerId(image(List.of(), List.of()), 3, 4));
        assertEquals(3, BrokerMetadata.controllerId(image(List.of(4), List.of(3)), 3, 4),
                "a broker in controlled shutdown is still live to clients");
    }

    @Test
    void elseTheAnsweringBrokerWhenItIsLive() {
        assertEquals(4, BrokerMetadata.controllerId(image(List.of(), List.of()), 1, 4),
                "the leader, node 1, is a controller only");
        assertEquals(4, BrokerMetadata.controllerId(image(List.of(3), List.of()), 3, 4), "the leader is fenced");
        assertEquals(4, BrokerMetadata.controllerId(image(List.of(), List.of()), -1, 4), "no leader known");
    }

    @Test
    void elseTheLowestLiveBrokerAndMinusOneWhenNoneIsLive() {
        assertEquals(3, BrokerMetadata.controllerId(image(List.of(2, 4), List.of()), 1, 4),
                "neither the controller-only leader nor the fenced answering broker");
        assertEquals(5, BrokerMetadata.controllerId(image(List.of(2, 3, 4), List.of()), 4, 4),
                "the answering broker leads the quorum but is fenced");
        assertEquals(3, BrokerMetadata.controllerId(image(List.of(2), List.of()), 1, 7),
                "the answering node is not registered");
        assertEquals(-1, BrokerMetadata.controllerId(image(List.of(2, 3, 4, 5), List.of()), 1, 4));
        assertEquals(-1, BrokerMetadata.controllerId(MetadataImage.EMPTY, 1, 1));
    }
}
