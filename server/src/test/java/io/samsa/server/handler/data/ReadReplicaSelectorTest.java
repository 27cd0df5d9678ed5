package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KIP-392's replica selectors by Kafka's class names, and the rack-aware choice. */
class ReadReplicaSelectorTest {
    private static final ReadReplicaSelector.Candidate LEADER = new ReadReplicaSelector.Candidate(1, "a", 100, 0);

    private static int select(String rack, ReadReplicaSelector.Candidate... followers) {
        return ReadReplicaSelector.RACK_AWARE_SELECTOR.select(rack, LEADER, List.of(followers));
    }

    @Test
    void theRackAwareSelectorPrefersTheLeaderThenTheMostCaughtUpFollowerInTheClientsRack() {
        ReadReplicaSelector.Candidate b2 = new ReadReplicaSelector.Candidate(2, "b", 90, 500);
        ReadReplicaSelector.Candidate b3 = new ReadReplicaSelector.Candidate(3, "b", 95, 400);
        ReadReplicaSelector.Candidate b4 = new ReadReplicaSelector.Candidate(4, "b", 95, 450);
        ReadReplicaSelector.Candidate c5 = new ReadReplicaSelector.Candidate(5, "c", 100, 900);
        ReadReplicaSelector.Candidate none = new ReadReplicaSelector.Candidate(6, null, 100, 900);
        assertEquals(1, select("", b2, c5), "no client rack: the leader");
        assertEquals(1, select(null, b2, c5));
        assertEquals(1, select("a", b2, c5), "the leader is in the client's rack");
        assertEquals(1, select("z", b2, c5, none), "no replica in the client's rack");
        assertEquals(5, select("c", b2, c5));
        assertEquals(4, select("b", b2, b3, b4), "highest log end, then the latest caught up");
    }

    @Test
    void selectorsAreKnownByKafkasClassNames() {
        assertNull(ReadReplicaSelector.forClass(null));
        assertNull(ReadReplicaSelector.forClass("org.apache.kafka.common.replica.LeaderSelector"));
        assertSame(ReadReplicaSelector.RACK_AWARE_SELECTOR,
                ReadReplicaSelector.forClass("org.apache.kafka.common.replica.RackAwareReplicaSelector"));
        assertThrows(IllegalArgumentException.class, () -> ReadReplicaSelector.forClass("com.example.Nearest"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("replica.selector.class", "com.example.Nearest")));
        assertEquals("replica.selector.class", e.key());
        BrokerConfig ok = BrokerConfig.from(Map.of("replica.selector.class",
                "org.apache.kafka.common.replica.RackAwareReplicaSelector", "broker.rack", "a"));
        assertEquals("a", ok.getString("broker.rack"));
    }
}
