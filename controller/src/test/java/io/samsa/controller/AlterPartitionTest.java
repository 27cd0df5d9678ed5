package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * AlterPartition (KIP-497, KIP-903) on the single-voter controller: a leader shrinks and expands its ISR with a new
 * partition epoch each time, and every one of Kafka's refusals, per partition or (a stale broker epoch) for the
 * whole request.
 */
class AlterPartitionTest {
    @TempDir
    Path dir;

    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private void start(int brokers) throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        for (int id = 1; id <= brokers; id++) {
            controller.registerUnfenced(id, null);
        }
    }

    private void create(String topic, List<Integer> replicas) {
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(new CreateTopicRequest(topic, -1, -1,
            Map.of(0, replicas), Map.of())), false)).get(0).error());
    }

    private TopicImage topic(String name) {
        return controller.image().topic(name);
    }

    private PartitionRegistration p(String name) {
        return topic(name).partition(0);
    }

    private long epoch(int broker) {
        return controller.image().broker(broker).brokerEpoch();
    }

    /** An item for partition 0 of {@code name} as its leader sees it now, with the members' current epochs. */
    private AlterPartitionItem item(String name, List<Integer> isr) {
        PartitionRegistration p = p(name);
        return item(name, p.leaderEpoch(), p.partitionEpoch(), isr);
    }

    private AlterPartitionItem item(String name, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        List<AlterPartitionItem.IsrMember> members = new ArrayList<>();
        for (int b : isr) {
            BrokerRegistration r = controller.image().broker(b);
            members.add(new AlterPartitionItem.IsrMember(b, r == null ? -1 : r.brokerEpoch()));
        }
        return new AlterPartitionItem(topic(name).id(), null, 0, leaderEpoch, partitionEpoch, members, (byte) 0);
    }

    private AlterPartitionResult alter(int broker, AlterPartitionItem item) {
        return get(controller.alterPartition(broker, epoch(broker), List.of(item))).get(0);
    }

    private ErrorCode heartbeat(int id, boolean wantFence, boolean wantShutDown) {
        BrokerRegistration b = controller.image().broker(id);
        get(controller.heartbeat(new BrokerHeartbeatRequest(id, b.brokerEpoch(), controller.image().offset(),
            wantFence, wantShutDown)));
        return ErrorCode.NONE;
    }

    @Test
    void theLeaderShrinksAndExpandsItsIsrWithANewPartitionEpochEachTime() throws IOException {
        start(3);
        create("t", List.of(1, 2, 3));
        PartitionRegistration before = p("t");
        assertEquals(List.of(1, 2, 3), before.isr());

        AlterPartitionResult shrunk = alter(1, item("t", List.of(1, 2)));
        assertEquals(ErrorCode.NONE, shrunk.error());
        assertEquals(List.of(1, 2), shrunk.isr());
        assertEquals(1, shrunk.leader());
        assertEquals(before.leaderEpoch(), shrunk.leaderEpoch());
        assertEquals(before.partitionEpoch() + 1, shrunk.partitionEpoch());
        // The answer is the committed state: the image says the same.
        assertEquals(List.of(1, 2), p("t").isr());
        assertEquals(shrunk.partitionEpoch(), p("t").partitionEpoch());
        assertEquals(before.leaderEpoch(), p("t").leaderEpoch());

        AlterPartitionResult expanded = alter(1, item("t", List.of(1, 2, 3)));
        assertEquals(ErrorCode.NONE, expanded.error());
        assertEquals(List.of(1, 2, 3), expanded.isr());
        assertEquals(before.partitionEpoch() + 2, expanded.partitionEpoch());
        assertEquals(List.of(1, 2, 3), p("t").isr());

        // The same ISR again changes nothing: the partition as it stands.
        AlterPartitionResult same = alter(1, item("t", List.of(1, 2, 3)));
        assertEquals(ErrorCode.NONE, same.error());
        assertEquals(expanded.partitionEpoch(), same.partitionEpoch());
    }

    @Test
    void staleEpochsAndOtherRequestersAreRefused() throws IOException {
        start(3);
        create("t", List.of(1, 2, 3));
        PartitionRegistration p = p("t");
        assertEquals(ErrorCode.NONE, alter(1, item("t", List.of(1, 2))).error());
        // The partition epoch the leader saw is stale: it waits for the metadata.
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, alter(1, item("t", p.leaderEpoch(), p.partitionEpoch(),
            List.of(1, 2, 3))).error());
        // Epochs ahead of the controller's: this controller is likely not the active one.
        PartitionRegistration now = p("t");
        assertEquals(ErrorCode.NOT_CONTROLLER, alter(1, item("t", now.leaderEpoch() + 1, now.partitionEpoch(),
            List.of(1, 2))).error());
        assertEquals(ErrorCode.NOT_CONTROLLER, alter(1, item("t", now.leaderEpoch(), now.partitionEpoch() + 1,
            List.of(1, 2))).error());
        // Only the leader may propose.
        assertEquals(ErrorCode.INVALID_REQUEST, alter(2, item("t", List.of(1, 2))).error());
        // A leader of an older epoch is fenced: broker 1 loses and regains leadership.
        heartbeat(1, true, false);
        assertEquals(2, p("t").leader());
        heartbeat(1, false, false);
        assertEquals(ErrorCode.NONE, alter(2, item("t", List.of(2, 1))).error());
        assertEquals(ErrorCode.NONE, get(controller.electLeaders(ElectionType.PREFERRED,
            List.of(new TopicPartition("t", 0)))).get(0).error());
        assertEquals(1, p("t").leader());
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, alter(1, item("t", now.leaderEpoch(), p("t").partitionEpoch(),
            List.of(1, 2))).error());
        assertEquals(List.of(2, 1), p("t").isr());
    }

    @Test
    void aProposedIsrMustHoldTheLeaderAndOnlyReplicasOnce() throws IOException {
        start(4);
        create("t", List.of(1, 2, 3));
        assertEquals(ErrorCode.INVALID_REQUEST, alter(1, item("t", List.of(2, 3))).error());
        assertEquals(ErrorCode.INVALID_REQUEST, alter(1, item("t", List.of(1, 4))).error());
        assertEquals(ErrorCode.INVALID_REQUEST, alter(1, item("t", List.of(1, 2, 2))).error());
        // A recovering leader proposes only itself; a recovered one never goes back to recovering.
        AlterPartitionItem recovering = new AlterPartitionItem(topic("t").id(), null, 0, p("t").leaderEpoch(),
            p("t").partitionEpoch(), item("t", List.of(1)).newIsr(), (byte) 1);
        assertEquals(ErrorCode.INVALID_REQUEST, alter(1, recovering).error());
        assertEquals(List.of(1, 2, 3), p("t").isr());
    }

    @Test
    void membersThatAreFencedShuttingDownOrOfAnotherEpochAreIneligible() throws IOException {
        start(4);
        create("t", List.of(1, 2, 3, 4));
        assertEquals(ErrorCode.NONE, alter(1, item("t", List.of(1))).error());
        // Broker 2: fenced.
        heartbeat(2, true, false);
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, alter(1, item("t", List.of(1, 2))).error());
        // Broker 3: in controlled shutdown (it leads a partition, so its shutdown is not immediate).
        create("led-by-3", List.of(3, 1));
        heartbeat(3, false, true);
        assertEquals(true, controller.image().broker(3).inControlledShutdown());
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, alter(1, item("t", List.of(1, 3))).error());
        // Broker 4: the leader saw an epoch of an earlier process of broker 4 (KIP-903).
        AlterPartitionItem good = item("t", List.of(1, 4));
        AlterPartitionItem stale = new AlterPartitionItem(good.topicId(), null, 0, good.leaderEpoch(),
            good.partitionEpoch(),
            List.of(good.newIsr().get(0), new AlterPartitionItem.IsrMember(4, epoch(4) - 1)), (byte) 0);
        assertEquals(ErrorCode.INELIGIBLE_REPLICA, alter(1, stale).error());
        // -1 (the epoch not known) is accepted, as is the right one.
        AlterPartitionItem unknown = new AlterPartitionItem(good.topicId(), null, 0, good.leaderEpoch(),
            good.partitionEpoch(), List.of(good.newIsr().get(0), new AlterPartitionItem.IsrMember(4, -1)), (byte) 0);
        assertEquals(ErrorCode.NONE, alter(1, unknown).error());
        assertEquals(List.of(1, 4), p("t").isr());
    }

    @Test
    void unknownTopicsAndPartitionsAndAStaleRequesterEpoch() throws IOException {
        start(2);
        create("t", List.of(1, 2));
        AlterPartitionItem real = item("t", List.of(1));
        AlterPartitionItem noTopic = new AlterPartitionItem(new UUID(1, 2), null, 0, 0, 0, real.newIsr(), (byte) 0);
        AlterPartitionItem noName = new AlterPartitionItem(null, "nope", 0, 0, 0, real.newIsr(), (byte) 0);
        AlterPartitionItem byName = new AlterPartitionItem(null, "t", 0, real.leaderEpoch(), real.partitionEpoch(),
            real.newIsr(), (byte) 0);
        AlterPartitionItem noPartition = new AlterPartitionItem(real.topicId(), null, 7, 0, 0, real.newIsr(),
            (byte) 0);
        List<AlterPartitionResult> results = get(controller.alterPartition(1, epoch(1),
            List.of(noTopic, noName, noPartition, byName)));
        assertEquals(List.of(ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE),
            results.stream().map(AlterPartitionResult::error).toList());
        assertEquals(List.of(1), p("t").isr());

        SamsaException e = assertThrows(SamsaException.class, () -> get(controller.alterPartition(1, epoch(1) - 1,
            List.of(item("t", List.of(1, 2))))));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, e.errorCode());
        assertEquals(List.of(1), p("t").isr());
    }

    @Test
    void anIsrWithEveryTargetReplicaCompletesTheReassignment() throws IOException {
        start(3);
        create("t", List.of(1, 2));
        assertEquals(ErrorCode.NONE, get(controller.alterPartitionReassignments(List.of(new Reassignment(
            new TopicPartition("t", 0), List.of(1, 3))))).get(0).error());
        assertEquals(List.of(3), p("t").addingReplicas());
        AlterPartitionResult r = alter(1, item("t", List.of(1, 2, 3)));
        assertEquals(ErrorCode.NONE, r.error());
        assertEquals(List.of(1, 3), r.isr());
        PartitionRegistration p = p("t");
        assertEquals(List.of(1, 3), p.replicas());
        assertEquals(List.of(1, 3), p.isr());
        assertEquals(false, p.reassigning());
    }

    @Test
    void aReassignmentThatDropsTheLeaderElectsANewOne() throws IOException {
        start(3);
        create("t", List.of(1, 2));
        assertEquals(ErrorCode.NONE, get(controller.alterPartitionReassignments(List.of(new Reassignment(
            new TopicPartition("t", 0), List.of(2, 3))))).get(0).error());
        assertEquals(ErrorCode.NEW_LEADER_ELECTED, alter(1, item("t", List.of(1, 2, 3))).error());
        PartitionRegistration p = p("t");
        assertEquals(List.of(2, 3), p.replicas());
        assertEquals(2, p.leader());
        assertEquals(List.of(2, 3), p.isr());
    }
}
