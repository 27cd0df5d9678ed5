package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Partition reassignment (KIP-455) on the single-voter controller: the moves recorded in the partition. */
class ReassignmentTest {
    @TempDir
    Path dir;

    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    /** Three brokers; topic "t" with partition 0 on [1, 2] and partition 1 on [2, 3]. */
    private void start() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        for (int id = 1; id <= 3; id++) {
            controller.registerUnfenced(id, null);
        }
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(new CreateTopicRequest("t", -1, -1,
            Map.of(0, List.of(1, 2), 1, List.of(2, 3)), Map.of())), false)).get(0).error());
    }

    private static TopicPartition tp(int index) {
        return new TopicPartition("t", index);
    }

    private PartitionRegistration p(int index) {
        return controller.image().topic("t").partition(index);
    }

    private ErrorCode reassign(int index, Integer... replicas) {
        return get(controller.alterPartitionReassignments(List.of(new Reassignment(tp(index),
            replicas == null ? null : Arrays.asList(replicas))))).get(0).error();
    }

    @Test
    void addingAReplicaIsRecordedUntilItJoinsTheIsrAndCanBeCancelled() throws IOException {
        start();
        assertEquals(ErrorCode.NONE, reassign(0, 2, 3));
        PartitionRegistration p = p(0);
        assertEquals(List.of(2, 3, 1), p.replicas());
        assertEquals(List.of(3), p.addingReplicas());
        assertEquals(List.of(1), p.removingReplicas());
        assertEquals(List.of(2, 3), p.targetReplicas());
        assertEquals(List.of(1, 2), p.isr());
        assertEquals(1, p.leader());
        assertEquals(List.of(new OngoingReassignment(tp(0), List.of(2, 3, 1), List.of(3), List.of(1))),
            get(controller.listPartitionReassignments(null)));
        assertEquals(List.of(), get(controller.listPartitionReassignments(List.of(tp(1)))));
        // Cancel: back to the original replicas, in the order the partition lists them (as Kafka reverts).
        assertEquals(ErrorCode.NONE, get(controller.alterPartitionReassignments(List.of(new Reassignment(tp(0),
            null)))).get(0).error());
        p = p(0);
        assertEquals(List.of(2, 1), p.replicas());
        assertEquals(List.of(1, 2), p.isr());
        assertEquals(1, p.leader());
        assertFalse(p.reassigning());
        assertEquals(List.of(), get(controller.listPartitionReassignments(null)));
        assertEquals(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, get(controller.alterPartitionReassignments(List.of(
            new Reassignment(tp(0), null)))).get(0).error());
    }

    @Test
    void aNewTargetReplacesTheOneInProgress() throws IOException {
        start();
        reassign(0, 2, 3);
        assertEquals(ErrorCode.NONE, reassign(0, 3, 1));
        PartitionRegistration p = p(0);
        assertEquals(List.of(3, 1, 2), p.replicas());
        assertEquals(List.of(3), p.addingReplicas());
        assertEquals(List.of(2), p.removingReplicas());
    }

    @Test
    void removingReplicasOfTheIsrCompletesAtOnceAndMovesTheLeader() throws IOException {
        start();
        int epoch = p(0).leaderEpoch();
        assertEquals(ErrorCode.NONE, reassign(0, 2));
        PartitionRegistration p = p(0);
        assertEquals(List.of(2), p.replicas());
        assertEquals(List.of(2), p.isr());
        assertEquals(2, p.leader());
        assertEquals(epoch + 1, p.leaderEpoch());
        assertFalse(p.reassigning());
        // The same replicas again: nothing to do, nothing written.
        long offset = controller.image().offset();
        assertEquals(ErrorCode.NONE, reassign(0, 2));
        assertEquals(offset, controller.image().offset());
    }

    @Test
    void badTargetsAreRefusedPerPartition() throws IOException {
        start();
        List<ApiResult<TopicPartition>> results = get(controller.alterPartitionReassignments(List.of(
            new Reassignment(tp(0), List.of()),
            new Reassignment(tp(1), List.of(2, 2)),
            new Reassignment(new TopicPartition("t", 9), List.of(1)),
            new Reassignment(new TopicPartition("nope", 0), List.of(1)),
            new Reassignment(tp(1), List.of(3, 7)))));
        assertEquals(List.of(ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST),
            results.stream().map(ApiResult::error).toList());
        assertEquals(ErrorCode.INVALID_REPLICA_ASSIGNMENT, reassign(1, 3, 7));
        // Without allowing a change of the replication factor (AlterPartitionReassignments v1, KIP-860).
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, get(controller.controller.alterPartitionReassignments(
            List.of(new Reassignment(tp(1), List.of(1, 2, 3))), false)).value().get(0).error());
        assertEquals(ErrorCode.NONE, get(controller.controller.alterPartitionReassignments(
            List.of(new Reassignment(tp(1), List.of(3, 1))), false)).value().get(0).error());
        SamsaException e = assertThrows(SamsaException.class, () -> get(controller.listPartitionReassignments(
            List.of(new TopicPartition("nope", 0)))));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, e.errorCode());
    }

    @Test
    void aReassignmentInProgressSurvivesARestart() throws IOException {
        start();
        reassign(1, 1, 2);
        MetadataImage before = controller.image();
        controller.close();
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        assertTrue(before.sameContent(controller.image()));
        assertEquals(List.of(new OngoingReassignment(tp(1), List.of(1, 2, 3), List.of(1), List.of(3))),
            get(controller.listPartitionReassignments(null)));
        get(controller.snapshot());
        controller.close();
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        assertEquals(List.of(1), p(1).addingReplicas());
        BrokerRegistration b3 = controller.image().broker(3);
        assertEquals(3, b3.nodeId());
    }
}
