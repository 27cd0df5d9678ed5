package io.samsa.compat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The differential mode's data and group flows (see {@link Differential}): produce and what follows it, and one
 * classic group member's life. Each step builds its request for one broker's connection, carrying what that broker
 * handed out (topic id, member id, generation).
 */
final class DifferentialFlows {
    private static final long HOUR = 60L * 60 * 1000;

    private DifferentialFlows() {
    }

    /**
     * Produce three records (acks=all) to partition 0, a batch with a record two hours ahead (INVALID_TIMESTAMP and
     * its record error), a batch claiming more records than it holds (INVALID_RECORD), then fetch and list offsets.
     */
    static void produceAndFetch(Map<String, Function<Differential.Conn, Message>> steps, String topic) {
        steps.put("Produce", c -> produce(c, topic, batch(0, 3)));
        steps.put("Produce future timestamp", c -> produce(c, topic, batch(2 * HOUR, 1)));
        steps.put("Produce short count", c -> produce(c, topic, shortCount()));
        steps.put("Fetch from 0", c -> Differential.fetch(c, topic, 0));
        steps.put("Fetch at the end", c -> Differential.fetch(c, topic, 3));
        steps.put("ListOffsets after produce", c -> Differential.listOffsets(topic));
    }

    /** One classic member: join (member id required), join again, sync, heartbeat, commit, fetch, leave. */
    static void classicGroup(Map<String, Function<Differential.Conn, Message>> steps, String topic, String group) {
        steps.put("JoinGroup new member", c -> join(c, group));
        steps.put("JoinGroup with member id", c -> join(c, group));
        steps.put("SyncGroup leader", c -> new SyncGroupRequest().setGroupId(group).setGenerationId(c.generationId)
                .setMemberId(c.memberId).setProtocolType("consumer").setProtocolName("range")
                .setAssignments(List.of(new SyncGroupRequest.SyncGroupRequestAssignment().setMemberId(c.memberId)
                        .setAssignment(new byte[0]))));
        steps.put("Heartbeat", c -> new HeartbeatRequest().setGroupId(group).setGenerationId(c.generationId)
                .setMemberId(c.memberId));
        steps.put("OffsetCommit", c -> new OffsetCommitRequest().setGroupId(group)
                .setGenerationIdOrMemberEpoch(c.generationId).setMemberId(c.memberId).setTopics(List.of(
                        new OffsetCommitRequest.OffsetCommitRequestTopic().setName(topic).setTopicId(c.topicId)
                                .setPartitions(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                                        .setPartitionIndex(0).setCommittedOffset(3).setCommittedLeaderEpoch(-1)
                                        .setCommittedMetadata("diff"))))));
        steps.put("OffsetFetch committed", c -> new OffsetFetchRequest().setGroupId(group).setTopics(null)
                .setGroups(List.of(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group)
                        .setMemberId(c.memberId).setMemberEpoch(-1).setTopics(null))));
        steps.put("LeaveGroup", c -> new LeaveGroupRequest().setGroupId(group).setMemberId(c.memberId)
                .setMembers(List.of(new LeaveGroupRequest.MemberIdentity().setMemberId(c.memberId))));
        steps.put("Heartbeat after leaving", c -> new HeartbeatRequest().setGroupId(group)
                .setGenerationId(c.generationId).setMemberId(c.memberId));
    }

    private static JoinGroupRequest join(Differential.Conn c, String group) {
        return new JoinGroupRequest().setGroupId(group).setSessionTimeoutMs(30_000).setRebalanceTimeoutMs(30_000)
                .setMemberId(c.memberId).setProtocolType("consumer").setProtocols(List.of(
                        new JoinGroupRequest.JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0])));
    }

    private static ProduceRequest produce(Differential.Conn c, String topic, ByteBuf batch) {
        return new ProduceRequest().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(List.of(
                new ProduceRequest.TopicProduceData().setName(topic).setTopicId(c.topicId).setPartitionData(List.of(
                        new ProduceRequest.PartitionProduceData().setIndex(0)
                                .setRecords(new ByteBufRecords(batch))))));
    }

    /** A batch of {@code count} records stamped now + {@code skewMs}. */
    private static ByteBuf batch(long skewMs, int count) {
        long ts = System.currentTimeMillis() + skewMs;
        try (RecordBatchBuilder b = new RecordBatchBuilder(UnpooledByteBufAllocator.DEFAULT)) {
            for (int i = 0; i < count; i++) {
                b.append(ts, ("k" + i).getBytes(StandardCharsets.UTF_8), ("v" + i).getBytes(StandardCharsets.UTF_8));
            }
            return b.build();
        }
    }

    /** One record in a batch whose header claims two (last offset delta 1, count 2), with a valid CRC. */
    private static ByteBuf shortCount() {
        ByteBuf b = Unpooled.copiedBuffer(batch(0, 1));
        b.setInt(RecordBatchView.LAST_OFFSET_DELTA_OFFSET, 1);
        b.setInt(RecordBatchView.RECORDS_COUNT_OFFSET, 2);
        b.setInt(RecordBatchView.CRC_OFFSET, (int) new RecordBatchView().wrap(b, 0).computeCrc());
        return b;
    }
}
