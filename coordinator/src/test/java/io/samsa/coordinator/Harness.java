package io.samsa.coordinator;

import io.samsa.common.ManualClock;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A group coordinator on a manual clock, a manual scheduler, a direct executor and in-memory partitions:
 * everything runs on the test thread, deterministically. One partition unless told otherwise.
 */
final class Harness {
    final ManualClock clock = new ManualClock(1_000_000L);
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final InMemoryPartitions partitions;
    final FakeTopics topics;
    final GroupCoordinatorConfig config;
    GroupCoordinator coordinator;

    Harness() {
        this(Map.of());
    }

    Harness(Map<String, String> props) {
        this(config(props), new InMemoryPartitions(), new FakeTopics());
    }

    Harness(GroupCoordinatorConfig config, InMemoryPartitions partitions, FakeTopics topics) {
        this.config = config;
        this.partitions = partitions;
        this.topics = topics;
        this.coordinator = new GroupCoordinator(config, clock, scheduler, Runnable::run, partitions, partitions,
                topics);
        for (int p = 0; p < config.numPartitions(); p++) {
            coordinator.onElection(p, 0);
        }
    }

    static GroupCoordinatorConfig config(Map<String, String> props) {
        Map<String, String> all = new java.util.HashMap<>();
        all.put("offsets.topic.num.partitions", "1");
        all.put("group.initial.rebalance.delay.ms", "0");
        all.put("group.min.session.timeout.ms", "1000");
        all.put("group.consumer.session.timeout.ms", "10000");
        all.put("group.consumer.heartbeat.interval.ms", "1000");
        all.putAll(props);
        return GroupCoordinatorConfig.fromMap(all);
    }

    /** A second coordinator replaying the same partitions (a broker restart). */
    Harness restart() {
        coordinator.close();
        return new Harness(config, partitions, topics);
    }

    static <T> T done(CompletableFuture<T> f) {
        if (!f.isDone()) {
            throw new AssertionError("Expected the future to be complete");
        }
        return f.join();
    }

    static RequestMeta v(int version) {
        return new RequestMeta((short) version, "client", "/127.0.0.1");
    }

    static byte[] subscription(String... topics) {
        // ConsumerProtocolSubscription v0: int16 version, array of strings, nullable bytes user data.
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(256);
        b.putShort((short) 0).putInt(topics.length);
        for (String t : topics) {
            b.putShort((short) t.length()).put(t.getBytes());
        }
        b.putInt(-1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    CompletableFuture<JoinGroupResponse> join(String group, String memberId, String instanceId, int version) {
        return join(group, memberId, instanceId, version, "range", subscription("t"));
    }

    CompletableFuture<JoinGroupResponse> join(String group, String memberId, String instanceId, int version,
                                              String protocol, byte[] metadata) {
        JoinGroupRequest req = new JoinGroupRequest().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setSessionTimeoutMs(6000).setRebalanceTimeoutMs(20000)
                .setProtocolType("consumer").setProtocols(new ArrayList<>(List.of(
                        new JoinGroupRequest.JoinGroupRequestProtocol().setName(protocol).setMetadata(metadata))));
        return coordinator.joinGroup(v(version), req);
    }

    /** Joins a new dynamic member with KIP-394's two steps; returns the second join's future. */
    CompletableFuture<JoinGroupResponse> joinNew(String group) {
        JoinGroupResponse first = done(join(group, "", null, 7));
        if (first.errorCode() != 79) {
            throw new AssertionError("Expected MEMBER_ID_REQUIRED, got " + first);
        }
        return join(group, first.memberId(), null, 7);
    }

    CompletableFuture<SyncGroupResponse> sync(String group, String memberId, int generation,
                                              Map<String, byte[]> assignments) {
        SyncGroupRequest req = new SyncGroupRequest().setGroupId(group).setMemberId(memberId)
                .setGenerationId(generation);
        assignments.forEach((m, a) -> req.assignments().add(
                new SyncGroupRequest.SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
        return coordinator.syncGroup(v(5), req);
    }

    short heartbeat(String group, String memberId, int generation) {
        return heartbeat(group, memberId, generation, null);
    }

    short heartbeat(String group, String memberId, int generation, String instanceId) {
        HeartbeatResponse r = done(coordinator.heartbeat(v(4), new HeartbeatRequest().setGroupId(group)
                .setMemberId(memberId).setGenerationId(generation).setGroupInstanceId(instanceId)));
        return r.errorCode();
    }

    short commit(String group, String memberId, int generation, String topic, int partition, long offset) {
        return commit(group, memberId, generation, topic, partition, offset, "");
    }

    short commit(String group, String memberId, int generation, String topic, int partition, long offset,
                 String metadata) {
        OffsetCommitRequest req = new OffsetCommitRequest().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation);
        req.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName(topic).setPartitions(
                new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                        .setPartitionIndex(partition).setCommittedOffset(offset).setCommittedMetadata(metadata)))));
        OffsetCommitResponse r = done(coordinator.commitOffsets(v(8), req));
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    /** The committed offset of one partition (v8 OffsetFetch), -1 if none. */
    long committed(String group, String topic, int partition) {
        OffsetFetchRequest req = new OffsetFetchRequest();
        req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group).setTopics(
                new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics().setName(topic)
                        .setPartitionIndexes(new ArrayList<>(List.of(partition)))))));
        OffsetFetchResponse r = done(coordinator.fetchOffsets(v(8), req));
        return r.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
    }

    String state() {
        return done(coordinator.readShard(0, s -> s.describeState()));
    }
}
