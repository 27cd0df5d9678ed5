package io.samsa.coordinator;

import static io.samsa.coordinator.Harness.done;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.TxnOffsetCommitResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Transactional offset commits in the group coordinator (TxnOffsetCommit, as Kafka's group coordinator keeps them):
 * written in the producer's transactional batch, pending (invisible, UNSTABLE_OFFSET_COMMIT with require_stable) until
 * the transaction's marker reaches the partition, then committed or dropped; the same after a reload; Kafka's member,
 * generation and epoch checks; a later plain commit not overwritten by an older transaction.
 */
class TxnOffsetCommitTest {
    private static final long PID = 4000;
    private static final short EPOCH = 3;

    private final Harness h = new Harness(Map.of("offsets.retention.minutes", "1",
            "offsets.retention.check.interval.ms", "1000"));

    private short txnCommit(int version, String group, String member, int generation, String topic, int partition,
                            long offset) {
        return txnCommit(h, version, PID, group, member, generation, topic, partition, offset);
    }

    private static short txnCommit(Harness h, int version, long pid, String group, String member, int generation,
                                   String topic, int partition, long offset) {
        TxnOffsetCommitRequest req = new TxnOffsetCommitRequest().setTransactionalId("txn").setGroupId(group)
                .setProducerId(pid).setProducerEpoch(EPOCH).setMemberId(member)
                .setGenerationIdOrMemberEpoch(generation);
        TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic t = new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic();
        if (version >= 6) {
            FakeTopics.Topic known = h.topics.topic(topic);
            t.setTopicId(known == null ? UUID.randomUUID() : known.id());
        } else {
            t.setName(topic);
        }
        t.partitions().add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition().setPartitionIndex(partition)
                .setCommittedOffset(offset).setCommittedLeaderEpoch(2).setCommittedMetadata("m"));
        req.topics().add(t);
        TxnOffsetCommitResponse r = done(h.coordinator.txnCommitOffsets(Harness.v(version), req));
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    private ErrorCode marker(long pid, boolean commit) {
        return done(h.coordinator.completeTransaction(0, pid, EPOCH, 7, commit));
    }

    /** OffsetFetch v8 with require_stable: the offset, or -2 for UNSTABLE_OFFSET_COMMIT. */
    private static long stableOffset(Harness h, String group, String topic, int partition) {
        OffsetFetchRequest req = new OffsetFetchRequest().setRequireStable(true);
        req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group).setTopics(
                new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics().setName(topic)
                        .setPartitionIndexes(new ArrayList<>(List.of(partition)))))));
        OffsetFetchResponse.OffsetFetchResponsePartitions p = done(h.coordinator.fetchOffsets(Harness.v(8), req))
                .groups().get(0).topics().get(0).partitions().get(0);
        return p.errorCode() == ErrorCode.UNSTABLE_OFFSET_COMMIT.code() ? -2 : p.committedOffset();
    }

    @Test
    void offsetsArePendingUntilTheCommitMarker() {
        assertEquals(0, h.commit("g", "", -1, "t", 0, 10));
        assertEquals(0, txnCommit(3, "g", "", -1, "t", 0, 20));
        assertEquals(10, h.committed("g", "t", 0), "invisible before the marker");
        assertEquals(-2, stableOffset(h, "g", "t", 0), "require_stable: UNSTABLE_OFFSET_COMMIT");
        assertEquals(-1, stableOffset(h, "g", "t", 1), "other partitions are stable");
        InMemoryPartitions.Entry written = h.partitions.entries(0).get(1);
        assertEquals(PID, written.producerId(), "a transactional batch of the producer");
        assertEquals(EPOCH, written.producerEpoch());
        assertEquals(ErrorCode.NONE, marker(PID, true));
        InMemoryPartitions.Entry marker = h.partitions.entries(0).get(2);
        assertTrue(marker.isMarker() && marker.commit() && marker.coordinatorEpoch() == 7);
        assertEquals(20, h.committed("g", "t", 0));
        assertEquals(20, stableOffset(h, "g", "t", 0));
    }

    @Test
    void anAbortMarkerDropsThem() {
        assertEquals(0, h.commit("g", "", -1, "t", 0, 10));
        txnCommit(3, "g", "", -1, "t", 0, 20);
        txnCommit(3, "g", "", -1, "t", 1, 21);
        assertEquals(ErrorCode.NONE, marker(PID, false));
        assertEquals(10, h.committed("g", "t", 0));
        assertEquals(-1, h.committed("g", "t", 1));
        assertEquals(10, stableOffset(h, "g", "t", 0), "stable again");
        assertEquals(ErrorCode.NONE, marker(PID, true), "a marker with nothing pending is written all the same");
        assertEquals(10, h.committed("g", "t", 0));
    }

    @Test
    void pendingOffsetsSurviveAReloadAndTheMarkerAfterItApplies() {
        txnCommit(3, "g", "", -1, "t", 0, 20);
        Harness after = h.restart();
        assertEquals(-1, after.committed("g", "t", 0));
        assertEquals(-2, stableOffset(after, "g", "t", 0));
        assertEquals(ErrorCode.NONE, done(after.coordinator.completeTransaction(0, PID, EPOCH, 7, true)));
        assertEquals(20, after.committed("g", "t", 0));
        assertEquals(20, after.restart().committed("g", "t", 0), "the marker is in the log");
    }

    @Test
    void aLaterPlainCommitIsNotOverwrittenByAnEarlierTransaction() {
        txnCommit(3, "g", "", -1, "t", 0, 20);
        assertEquals(0, h.commit("g", "", -1, "t", 0, 30));
        marker(PID, true);
        assertEquals(30, h.committed("g", "t", 0), "the plain commit came later in the log");
        assertEquals(30, h.restart().committed("g", "t", 0), "and a load says the same");
    }

    @Test
    void twoProducersKeepTheirOwnPendingOffsets() {
        txnCommit(h, 3, 1, "g", "", -1, "t", 0, 11);
        txnCommit(h, 3, 2, "g", "", -1, "t", 1, 22);
        assertEquals(ErrorCode.NONE, done(h.coordinator.completeTransaction(0, 2, EPOCH, 7, true)));
        assertEquals(-1, h.committed("g", "t", 0));
        assertEquals(22, h.committed("g", "t", 1));
        assertEquals(ErrorCode.NONE, done(h.coordinator.completeTransaction(0, 1, EPOCH, 7, false)));
        assertEquals(-1, h.committed("g", "t", 0));
    }

    @Test
    void classicGroupMembersAreChecked() {
        JoinGroupResponse j = done(h.joinNew("g"));
        done(h.sync("g", j.memberId(), 1, Map.of(j.memberId(), new byte[]{1})));
        assertEquals(0, txnCommit(3, "g", j.memberId(), 1, "t", 0, 5));
        assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), txnCommit(3, "g", j.memberId(), 2, "t", 0, 5));
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), txnCommit(3, "g", "stranger", 1, "t", 0, 5));
        assertEquals(0, txnCommit(2, "g", "", -1, "t", 0, 5), "v0-2 name no member: accepted, as Kafka does");
        assertEquals(ErrorCode.INVALID_GROUP_ID.code(), txnCommit(3, "", "", -1, "t", 0, 5));
        assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), txnCommit(3, "nobody", "", 4, "t", 0, 5));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND.code(), txnCommit(6, "nobody", "", 4, "t", 0, 5));
    }

    @Test
    void consumerGroupMembersAreCheckedByEpoch() {
        h.topics.add("t", 2);
        String member = UUID.randomUUID().toString();
        ConsumerGroupHeartbeatResponse r = done(h.coordinator.consumerGroupHeartbeat(Harness.v(1),
                new ConsumerGroupHeartbeatRequest().setGroupId("cg").setMemberId(member).setMemberEpoch(0)
                        .setRebalanceTimeoutMs(5000).setSubscribedTopicNames(new ArrayList<>(List.of("t")))
                        .setTopicPartitions(new ArrayList<>())));
        int epoch = r.memberEpoch();
        assertEquals(0, txnCommit(5, "cg", member, epoch, "t", 0, 5));
        assertEquals(ErrorCode.ILLEGAL_GENERATION.code(), txnCommit(5, "cg", member, epoch + 1, "t", 0, 5));
        assertEquals(ErrorCode.STALE_MEMBER_EPOCH.code(), txnCommit(6, "cg", member, epoch + 1, "t", 0, 5),
                "v6+ (KIP-1319) knows STALE_MEMBER_EPOCH");
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID.code(), txnCommit(5, "cg", "stranger", epoch, "t", 0, 5));
        assertEquals(0, txnCommit(6, "cg", member, epoch, "t", 1, 5), "v6 by topic id");
        assertEquals(ErrorCode.UNKNOWN_TOPIC_ID.code(), txnCommit(6, "cg", member, epoch, "gone", 0, 5));
    }

    @Test
    void metadataTooLargeIsRefusedPerPartition() {
        Harness small = new Harness(Map.of("offset.metadata.max.bytes", "0"));
        assertEquals(ErrorCode.OFFSET_METADATA_TOO_LARGE.code(), txnCommit(small, 3, PID, "g", "", -1, "t", 0, 5));
        assertEquals(0, small.partitions.appends, "nothing written");
    }

    @Test
    void aPartitionThatRefusesTheProducerAnswersItsError() {
        h.partitions.failWith = ErrorCode.PRODUCER_FENCED;
        assertEquals(ErrorCode.PRODUCER_FENCED.code(), txnCommit(3, "g", "", -1, "t", 0, 5));
        h.partitions.failWith = null;
        assertEquals(-1, stableOffset(h, "g", "t", 0), "nothing pending after the reload");
    }

    @Test
    void deletingTheGroupDropsItsPendingOffsetsToo() {
        txnCommit(3, "g", "", -1, "t", 0, 20);
        assertEquals(0, done(h.coordinator.deleteGroups(Harness.v(2), new DeleteGroupsRequest()
                .setGroupsNames(new ArrayList<>(List.of("g"))))).results().get(0).errorCode());
        marker(PID, true);
        assertEquals(-1, h.committed("g", "t", 0));
        assertEquals(-1, h.restart().committed("g", "t", 0));
    }

    @Test
    void offsetsAndGroupsWithAPendingTransactionDoNotExpire() {
        assertEquals(0, h.commit("g", "", -1, "t", 0, 10));
        txnCommit(3, "g", "", -1, "t", 0, 20);
        txnCommit(3, "pending-only", "", -1, "t", 0, 1);
        h.scheduler.advance(120_000);
        assertEquals(10, h.committed("g", "t", 0), "kept while a transaction will set it");
        assertTrue(h.state().contains("pending-only"), "a group with a pending offset is kept");
        marker(PID, true);
        assertEquals(20, h.committed("g", "t", 0));
        assertEquals(1, h.committed("pending-only", "t", 0));
    }

    @Test
    void aFreshLoadFindsTheSamePendingAndCommittedOffsets() {
        Simulation.forEachSeed("TxnOffsetCommitTest", 5, this::randomSteps);
    }

    private void randomSteps(long seed) {
        Random rnd = Simulation.random(seed);
        Harness live = new Harness();
        for (int step = 0; step < 400; step++) {
            long pid = 1 + rnd.nextInt(3);
            String group = "g" + rnd.nextInt(2);
            int partition = rnd.nextInt(3);
            live.partitions.failWith = rnd.nextInt(30) == 0 ? ErrorCode.NOT_ENOUGH_REPLICAS : null;
            switch (rnd.nextInt(6)) {
                case 0, 1 -> txnCommit(live, 3, pid, group, "", -1, "t", partition, step);
                case 2 -> live.commit(group, "", -1, "t", partition, step);
                case 3 -> done(live.coordinator.completeTransaction(0, pid, EPOCH, 1, rnd.nextBoolean()));
                case 4 -> done(live.coordinator.deleteGroups(Harness.v(2), new DeleteGroupsRequest()
                        .setGroupsNames(new ArrayList<>(List.of(group)))));
                default -> live = rnd.nextInt(4) == 0 ? live.restart() : live;
            }
            live.partitions.failWith = null;
            Harness fresh = new Harness(live.config, live.partitions, live.topics);
            assertEquals(live.state(), fresh.state(), "step " + step);
            fresh.coordinator.close();
        }
    }
}
