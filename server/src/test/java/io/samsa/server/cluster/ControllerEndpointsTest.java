package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.samsa.raft.LeaderAndEpoch;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumVoter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Where a broker's requests to the active controller go, as the Raft leader it knows changes. */
class ControllerEndpointsTest {
    private static final Map<Integer, QuorumVoter> VOTERS = Map.of(1, new QuorumVoter(1, "kafka-1", 9093),
            2, new QuorumVoter(2, "kafka-2", 9093), 3, new QuorumVoter(3, "kafka-3", 9093));

    private final AtomicReference<LeaderAndEpoch> leader = new AtomicReference<>(new LeaderAndEpoch(2, 2));

    @Test
    void theKnownLeaderIsTheTarget() {
        RemoteController.ControllerLocator locator = endpoints(VOTERS, List.of()).locator(leader::get);
        assertEquals(2, locator.target());
        leader.set(new LeaderAndEpoch(3, 4));
        assertEquals(3, locator.target());
    }

    /**
     * The active controller stopped (it resigned: no leader until the election ends). No voter is guessed, so no
     * request goes to the one that stopped; once the election ends, the new leader is the target.
     */
    @Test
    void whileStaticVotersElectNoRequestGoesAnywhere() {
        RemoteController.ControllerLocator locator = endpoints(VOTERS, List.of()).locator(leader::get);
        locator.failed(2);
        leader.set(new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 2));
        for (int i = 0; i < 10; i++) {
            assertEquals(-1, locator.target());
        }
        leader.set(new LeaderAndEpoch(3, 4));
        assertEquals(3, locator.target());
    }

    /** A leader that failed and is still the one known: the other voters in turn, never the failed one. */
    @Test
    void aFailedLeaderIsSkippedUntilAnotherIsKnown() {
        RemoteController.ControllerLocator locator = endpoints(VOTERS, List.of()).locator(leader::get);
        locator.failed(2);
        Set<Integer> tried = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            tried.add(locator.target());
        }
        assertEquals(Set.of(1, 3), tried);
    }

    /** Without configured voters (controller.quorum.bootstrap.servers), the bootstrap servers are tried in turn. */
    @Test
    void withOnlyBootstrapServersTheyAreTriedWhileNoLeaderIsKnown() {
        leader.set(new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 0));
        RemoteController.ControllerLocator locator = endpoints(Map.of(), List.of(new QuorumVoter(-1, "c-1", 9093),
                new QuorumVoter(-1, "c-2", 9093))).locator(leader::get);
        int first = locator.target();
        int second = locator.target();
        assertEquals(Set.of(ControllerEndpoints.BOOTSTRAP_BASE, ControllerEndpoints.BOOTSTRAP_BASE - 1),
                Set.of(first, second));
        locator.failed(first);
        assertNotEquals(first, locator.target());
        assertNotEquals(first, locator.target());
    }

    private static ControllerEndpoints endpoints(Map<Integer, QuorumVoter> voters, List<QuorumVoter> bootstrap) {
        return new ControllerEndpoints(new QuorumPlan(QuorumPlan.Kind.OBSERVER, 4, voters, bootstrap));
    }
}
