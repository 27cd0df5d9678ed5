package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.wire.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Eligible leader replicas (KIP-966) on the single-voter controller: a replica that leaves the ISR while it is below
 * {@code min.insync.replicas} becomes eligible and is elected when the ISR empties; fencing keeps it eligible, an
 * unclean shutdown does not; no unclean election passes over an eligible replica; the ISR back at the minimum, or a
 * new minimum, clears the lists; {@code eligible.leader.replicas.version} 0 keeps the ISR's last member as before.
 */
class EligibleLeaderReplicasTest {
    private static final String ELR = SupportedFeatures.ELIGIBLE_LEADER_REPLICAS_VERSION;

    @TempDir
    Path dir;

    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    /** Three unfenced brokers; ELR at {@code level}. */
    private void start(int level) throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of())
            .bootstrapFeatures(level > 0 ? Map.of(ELR, (short) level) : Map.of()).build());
        for (int id = 1; id <= 3; id++) {
            controller.registerUnfenced(id, null);
        }
    }

    /** Topic {@code name}: replicas [1, 2, 3], min.insync.replicas 2, plus {@code configs}. */
    private void create(String name, Map<String, String> configs) {
        Map<String, String> all = new HashMap<>(configs);
        all.put("min.insync.replicas", "2");
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(new CreateTopicRequest(name, -1, -1,
            Map.of(0, List.of(1, 2, 3)), all)), false)).get(0).error());
    }

    private PartitionRegistration p(String name) {
        return controller.image().topic(name).partition(0);
    }

    /** The leader of {@code name} proposes {@code isr}. */
    private void shrink(String name, List<Integer> isr) {
        PartitionRegistration p = p(name);
        List<AlterPartitionItem.IsrMember> members = new ArrayList<>();
        for (int b : isr) {
            members.add(new AlterPartitionItem.IsrMember(b, controller.image().broker(b).brokerEpoch()));
        }
        AlterPartitionItem item = new AlterPartitionItem(controller.image().topic(name).id(), null, 0,
            p.leaderEpoch(), p.partitionEpoch(), members, (byte) 0);
        int leader = p.leader();
        AlterPartitionResult r = get(controller.alterPartition(leader,
            controller.image().broker(leader).brokerEpoch(), List.of(item))).get(0);
        assertEquals(ErrorCode.NONE, r.error());
    }

    private void heartbeat(int id, boolean wantFence) {
        BrokerRegistration b = controller.image().broker(id);
        get(controller.heartbeat(new BrokerHeartbeatRequest(id, b.brokerEpoch(), controller.image().offset(),
            wantFence, false)));
    }

    /**
     * Broker {@code id}'s process is gone (fenced, as when its session expires) and a new one registers naming
     * {@code previousEpoch}, then is unfenced.
     */
    private void restart(int id, long previousEpoch) {
        if (!controller.image().broker(id).fenced()) {
            heartbeat(id, true);
        }
        BrokerRegistration reg = get(controller.register(new BrokerRegistrationRequest(id, null, UUID.randomUUID(),
            ControllerTestSupport.ENDPOINTS, Map.of(), null, previousEpoch)));
        get(controller.heartbeat(new BrokerHeartbeatRequest(id, reg.brokerEpoch(), controller.image().offset(),
            false, false)));
    }

    private void assertPartition(String name, int leader, List<Integer> isr, List<Integer> elr,
                                 List<Integer> lastKnownElr) {
        PartitionRegistration p = p(name);
        assertEquals(leader, p.leader(), "leader of " + p);
        assertEquals(isr, p.isr(), "ISR of " + p);
        assertEquals(elr, p.eligibleLeaderReplicas(), "ELR of " + p);
        assertEquals(lastKnownElr, p.lastKnownElr(), "last known ELR of " + p);
    }

    @Test
    void aReplicaLeavingTheIsrBelowTheMinimumIsEligibleAndLeadsWhenTheIsrEmpties() throws IOException {
        start(1);
        create("t", Map.of());
        shrink("t", List.of(1, 2));
        // At the minimum: nobody is eligible outside the ISR.
        assertPartition("t", 1, List.of(1, 2), List.of(), List.of());
        shrink("t", List.of(1));
        assertPartition("t", 1, List.of(1), List.of(2), List.of());
        int leaderEpoch = p("t").leaderEpoch();

        // The leader is fenced: the ISR empties, and the eligible replica 2 is elected cleanly; 1 is eligible now.
        heartbeat(1, true);
        assertPartition("t", 2, List.of(2), List.of(1), List.of());
        assertEquals(leaderEpoch + 1, p("t").leaderEpoch());
        assertEquals(PartitionRegistration.RECOVERED, p("t").leaderRecoveryState());

        // 2 is fenced as well: no eligible replica is usable and 3 is not clean, so nobody leads.
        heartbeat(2, true);
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(), List.of(1, 2), List.of(2));

        // A fenced eligible replica stays eligible: unfenced, 2 leads again.
        heartbeat(2, false);
        assertPartition("t", 2, List.of(2), List.of(1), List.of());
    }

    @Test
    void theIsrBackAtTheMinimumClearsTheEligibleReplicas() throws IOException {
        start(1);
        create("t", Map.of());
        shrink("t", List.of(1));
        assertPartition("t", 1, List.of(1), List.of(2, 3), List.of());
        shrink("t", List.of(1, 3));
        assertPartition("t", 1, List.of(1, 3), List.of(), List.of());
    }

    @Test
    void anUncleanShutdownLeavesTheEligibleReplicasAndACleanOneDoesNot() throws IOException {
        start(1);
        create("t", Map.of());
        shrink("t", List.of(1));
        assertPartition("t", 1, List.of(1), List.of(2, 3), List.of());

        // 2 comes back as a new process after a clean shutdown: its previous epoch is the registered one.
        long epochOfTwo = controller.image().broker(2).brokerEpoch();
        restart(2, epochOfTwo);
        assertPartition("t", 1, List.of(1), List.of(2, 3), List.of());

        // 3 comes back without its previous epoch (an unclean shutdown): it may have lost records.
        restart(3, -1);
        assertPartition("t", 1, List.of(1), List.of(2), List.of());

        // The leader's process dies uncleanly too: fenced, the eligible 2 leads; registered again, 1 is not eligible.
        restart(1, -1);
        assertPartition("t", 2, List.of(2), List.of(), List.of());

        // The ISR back at the minimum forgets them all.
        shrink("t", List.of(2, 3));
        assertPartition("t", 2, List.of(2, 3), List.of(), List.of());
    }

    @Test
    void noUncleanElectionPassesOverAFencedEligibleReplica() throws IOException {
        start(1);
        create("t", Map.of("unclean.leader.election.enable", "true"));
        shrink("t", List.of(1));
        heartbeat(3, true);
        heartbeat(2, true);
        assertPartition("t", 1, List.of(1), List.of(2, 3), List.of());

        // 3 is back (fenced ones stay eligible), 2 is not; 1 dies: 3 is elected from the ELR, cleanly.
        heartbeat(3, false);
        heartbeat(1, true);
        assertPartition("t", 3, List.of(3), List.of(1, 2), List.of());
        assertEquals(PartitionRegistration.RECOVERED, p("t").leaderRecoveryState());

        // 3 dies too: 1 and 2 are eligible but fenced. An unclean candidate would exist only by unclean election
        // (3 after an unclean restart); the partition waits for an eligible replica instead.
        heartbeat(3, true);
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(), List.of(1, 2, 3), List.of(3));
        restart(3, -1);
        // 3, the last known leader, is back but not eligible: while eligible replicas exist it does not lead.
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(), List.of(1, 2), List.of(3));
        assertEquals(0, controller.electUncleanLeaders());
        assertEquals(PartitionRegistration.NO_LEADER, p("t").leader());

        // An eligible replica returns: it leads, cleanly.
        heartbeat(2, false);
        assertPartition("t", 2, List.of(2), List.of(1), List.of());
        assertEquals(PartitionRegistration.RECOVERED, p("t").leaderRecoveryState());
    }

    @Test
    void anOperatorsUncleanElectionPassesOverFencedEligibleReplicas() throws IOException {
        start(1);
        create("t", Map.of());
        shrink("t", List.of(1));
        heartbeat(2, true);
        heartbeat(3, true);
        heartbeat(1, true);
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(), List.of(1, 2, 3), List.of(1));
        restart(3, -1);
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(), List.of(1, 2), List.of(1));
        assertEquals(ErrorCode.NONE, get(controller.electLeaders(ElectionType.UNCLEAN,
            List.of(new TopicPartition("t", 0)))).get(0).error());
        assertPartition("t", 3, List.of(3), List.of(), List.of());
        assertEquals(PartitionRegistration.RECOVERING, p("t").leaderRecoveryState());
    }

    @Test
    void withNoEligibleReplicaTheLastKnownLeaderLeadsAgainAsBefore() throws IOException {
        start(1);
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(new CreateTopicRequest("one", -1, -1,
            Map.of(0, List.of(1)), Map.of())), false)).get(0).error());
        // A single replica after a clean shutdown: fenced, it is eligible (the ISR of 0 is below 1) and leads again.
        restart(1, controller.image().broker(1).brokerEpoch());
        assertPartition("one", 1, List.of(1), List.of(), List.of());
        // After an unclean one it is not eligible; it is the last known leader, and nobody else could lead.
        heartbeat(1, true);
        assertPartition("one", PartitionRegistration.NO_LEADER, List.of(), List.of(1), List.of(1));
        restart(1, -1);
        assertPartition("one", 1, List.of(1), List.of(), List.of());
        assertEquals(PartitionRegistration.RECOVERED, p("one").leaderRecoveryState());
    }

    @Test
    void aNewMinimumClearsTheEligibleReplicas() throws IOException {
        start(1);
        create("t", Map.of());
        create("other", Map.of());
        shrink("t", List.of(1));
        shrink("other", List.of(1));
        assertEquals(ErrorCode.NONE, get(controller.incrementalAlterConfigs(List.of(new AlterConfigsRequest(
            new ConfigResource(ConfigResource.Type.TOPIC, "t"), List.of(AlterConfigOp.set("min.insync.replicas",
                "3")))), false)).get(0).error());
        assertPartition("t", 1, List.of(1), List.of(), List.of());
        assertPartition("other", 1, List.of(1), List.of(2, 3), List.of());

        // The cluster default changes: every topic's lists go.
        assertEquals(ErrorCode.NONE, get(controller.incrementalAlterConfigs(List.of(new AlterConfigsRequest(
            new ConfigResource(ConfigResource.Type.BROKER, ""), List.of(AlterConfigOp.set("min.insync.replicas",
                "1")))), false)).get(0).error());
        assertPartition("other", 1, List.of(1), List.of(), List.of());
    }

    @Test
    void levelZeroKeepsTheLastInSyncReplicaAndNoEligibleOnes() throws IOException {
        start(0);
        create("t", Map.of());
        shrink("t", List.of(1));
        assertPartition("t", 1, List.of(1), List.of(), List.of());
        heartbeat(1, true);
        // As before KIP-966: the ISR keeps its last member, nobody leads.
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(1), List.of(), List.of());
        restart(1, -1);
        assertPartition("t", 1, List.of(1), List.of(), List.of());
    }

    @Test
    void theFeatureIsUpgradedAndDowngradedLikeTheOthers() throws IOException {
        start(0);
        assertEquals(ErrorCode.NONE, updateFeature(1, FeatureUpdate.UpgradeType.UPGRADE).error());
        assertEquals((short) 1, controller.image().features().get(ELR));
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, updateFeature(2, FeatureUpdate.UpgradeType.UPGRADE).error());
        create("t", Map.of());
        shrink("t", List.of(1));
        assertPartition("t", 1, List.of(1), List.of(2, 3), List.of());
        assertEquals(ErrorCode.NONE, updateFeature(0, FeatureUpdate.UpgradeType.SAFE_DOWNGRADE).error());
        // Off again: the partition's next change drops the lists, and the ISR keeps its last member.
        heartbeat(1, true);
        assertPartition("t", PartitionRegistration.NO_LEADER, List.of(1), List.of(), List.of());
    }

    private ApiResult<String> updateFeature(int level, FeatureUpdate.UpgradeType type) {
        Committed<List<ApiResult<String>>> c = get(controller.controller.updateFeatures(List.of(new FeatureUpdate(
            ELR, (short) level, type)), false));
        get(controller.loader().awaitPublished(c.offset()));
        return c.value().get(0);
    }
}
