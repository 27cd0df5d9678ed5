package io.samsa.controller;

import io.samsa.common.ManualClock;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.wire.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leader election on the single-voter controller: from the ISR when a broker is fenced, unclean only when allowed,
 * ElectLeaders (preferred and unclean, KIP-460) and the periodic preferred-leader rebalance.
 */
class LeaderElectionTest {
    @TempDir
    Path dir;

    private TestController controller;
    private ManualClock clock;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private void start(Map<String, String> props, int brokers) throws IOException {
        ControllerConfig config = ControllerTestSupport.config(dir, props).build();
        clock = (ManualClock) config.clock();
        controller = ControllerTestSupport.start(dir, config);
        for (int id = 1; id <= brokers; id++) {
            controller.registerUnfenced(id, null);
        }
    }

    private void create(String topic, Map<Integer, List<Integer>> assignment, Map<String, String> configs) {
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(new CreateTopicRequest(topic, -1, -1,
            assignment, configs)), false)).get(0).error());
    }

    private PartitionRegistration p(String topic, int index) {
        return controller.image().topic(topic).partition(index);
    }

    private BrokerHeartbeatReply heartbeat(int id, boolean wantFence) {
        BrokerRegistration b = controller.image().broker(id);
        return get(controller.heartbeat(new BrokerHeartbeatRequest(id, b.brokerEpoch(), controller.image().offset(),
            wantFence, false)));
    }

    private static TopicPartition tp(String topic, int index) {
        return new TopicPartition(topic, index);
    }

    private ErrorCode elect(ElectionType type, TopicPartition partition) {
        return get(controller.electLeaders(type, List.of(partition))).get(0).error();
    }

    /** Replicas [1, 2] with ISR [1] and broker 1 fenced: no clean leader, broker 2 alive outside the ISR. */
    private void onlyAnOutOfSyncReplicaLeft(String topic, Map<String, String> configs) {
        create(topic, Map.of(0, List.of(1, 2)), configs);
        heartbeat(2, true);
        assertEquals(List.of(1), p(topic, 0).isr());
        heartbeat(2, false);
        heartbeat(1, true);
    }

    @Test
    void withoutUncleanElectionThePartitionWaitsForItsLastInSyncReplica() throws IOException {
        start(Map.of(), 2);
        onlyAnOutOfSyncReplicaLeft("t", Map.of());
        assertEquals(PartitionRegistration.NO_LEADER, p("t", 0).leader());
        assertEquals(List.of(1), p("t", 0).isr());
        assertEquals(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, elect(ElectionType.PREFERRED, tp("t", 0)));
        // ElectLeaders UNCLEAN does what the topic does not do by itself.
        assertEquals(ErrorCode.NONE, elect(ElectionType.UNCLEAN, tp("t", 0)));
        PartitionRegistration p = p("t", 0);
        assertEquals(2, p.leader());
        assertEquals(List.of(2), p.isr());
        assertEquals(PartitionRegistration.RECOVERING, p.leaderRecoveryState());
        assertEquals(ErrorCode.ELECTION_NOT_NEEDED, elect(ElectionType.UNCLEAN, tp("t", 0)));
    }

    @Test
    void aTopicAllowingUncleanElectionElectsAnOutOfSyncReplicaByItself() throws IOException {
        start(Map.of(), 2);
        onlyAnOutOfSyncReplicaLeft("t", Map.of("unclean.leader.election.enable", "true"));
        assertEquals(2, p("t", 0).leader());
        assertEquals(List.of(2), p("t", 0).isr());
    }

    @Test
    void theBrokerDefaultAllowsUncleanElectionToo() throws IOException {
        start(Map.of("unclean.leader.election.enable", "true"), 2);
        onlyAnOutOfSyncReplicaLeft("t", Map.of());
        assertEquals(2, p("t", 0).leader());
    }

    @Test
    void uncleanElectionEnabledLaterTakesEffectAtThePeriodicCheck() throws IOException {
        start(Map.of(), 2);
        create("t", Map.of(0, List.of(1, 2)), Map.of());
        create("other", Map.of(0, List.of(1, 2)), Map.of());
        heartbeat(2, true);
        heartbeat(2, false);
        heartbeat(1, true);
        assertEquals(0, controller.electUncleanLeaders());
        assertEquals(PartitionRegistration.NO_LEADER, p("t", 0).leader());
        assertEquals(ErrorCode.NONE, get(controller.incrementalAlterConfigs(List.of(new AlterConfigsRequest(
            new ConfigResource(ConfigResource.Type.TOPIC, "t"), List.of(AlterConfigOp.set(
                "unclean.leader.election.enable", "true")))), false)).get(0).error());
        assertEquals(1, controller.electUncleanLeaders());
        assertEquals(2, p("t", 0).leader());
        assertEquals(List.of(2), p("t", 0).isr());
        assertEquals(PartitionRegistration.RECOVERING, p("t", 0).leaderRecoveryState());
        // The topic that does not allow it keeps waiting for its ISR.
        assertEquals(PartitionRegistration.NO_LEADER, p("other", 0).leader());
        assertEquals(0, controller.electUncleanLeaders());
    }

    @Test
    void noLiveReplicaMeansNoEligibleLeader() throws IOException {
        start(Map.of(), 2);
        create("t", Map.of(0, List.of(1)), Map.of());
        heartbeat(1, true);
        assertEquals(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, elect(ElectionType.UNCLEAN, tp("t", 0)));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, elect(ElectionType.PREFERRED, tp("t", 5)));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, elect(ElectionType.PREFERRED, tp("nope", 0)));
    }

    /** Partitions led by 1 whose preferred replica is 2, both in sync (a reorder of the replicas). */
    private void preferredIsNotLeader(String topic, int partitions) {
        java.util.Map<Integer, List<Integer>> assignment = new java.util.HashMap<>();
        for (int i = 0; i < partitions; i++) {
            assignment.put(i, List.of(1, 2));
        }
        create(topic, assignment, Map.of());
        for (int i = 0; i < partitions; i++) {
            assertEquals(ErrorCode.NONE, get(controller.alterPartitionReassignments(List.of(new Reassignment(
                tp(topic, i), List.of(2, 1))))).get(0).error());
            assertEquals(List.of(2, 1), p(topic, i).replicas());
            assertEquals(1, p(topic, i).leader());
        }
    }

    @Test
    void preferredElectionMovesLeadershipToTheFirstReplica() throws IOException {
        start(Map.of(), 2);
        preferredIsNotLeader("t", 2);
        int epoch = p("t", 0).leaderEpoch();
        assertEquals(ErrorCode.NONE, elect(ElectionType.PREFERRED, tp("t", 0)));
        assertEquals(2, p("t", 0).leader());
        assertEquals(epoch + 1, p("t", 0).leaderEpoch());
        assertEquals(ErrorCode.ELECTION_NOT_NEEDED, elect(ElectionType.PREFERRED, tp("t", 0)));
        // All partitions (null): only those that needed an election are answered.
        List<ApiResult<TopicPartition>> all = get(controller.electLeaders(ElectionType.PREFERRED, null));
        assertEquals(List.of(new ApiResult<>(tp("t", 1), ErrorCode.NONE, null)), all);
        assertEquals(2, p("t", 1).leader());
        assertEquals(List.of(), get(controller.electLeaders(ElectionType.PREFERRED, null)));
    }

    @Test
    void thePeriodicRebalanceElectsPreferredLeaders() throws IOException {
        start(Map.of(), 2);
        preferredIsNotLeader("t", 3);
        assertEquals(3, controller.rebalanceLeaders());
        for (int i = 0; i < 3; i++) {
            assertEquals(2, p("t", i).leader());
        }
        assertEquals(0, controller.rebalanceLeaders());
    }

    @Test
    void theRebalanceRunsByItselfWhenEnabled() throws IOException {
        ControllerConfig config = ControllerTestSupport.config(dir, Map.of(
            "leader.imbalance.check.interval.seconds", "1")).build();
        controller = ControllerTestSupport.start(dir, config);
        controller.registerUnfenced(1, null);
        controller.registerUnfenced(2, null);
        preferredIsNotLeader("t", 1);
        java.util.concurrent.CompletableFuture<Void> moved = new java.util.concurrent.CompletableFuture<>();
        get(controller.addListener((delta, image) -> {
            if (image.topic("t").partition(0).leader() == 2) {
                moved.complete(null);
            }
        }));
        get(moved);
        assertEquals(2, p("t", 0).leader());
    }
}
