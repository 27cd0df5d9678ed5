package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Coverage;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Request;
import io.samsa.server.coordinator.CoordinatorPowerLossRun.Sabotage;
import io.samsa.testkit.Simulation;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The group coordinator's state across power loss ({@link CoordinatorPowerLossRun}: a durable
 * {@code __consumer_offsets} partition on the simulated disk, the real {@link GroupCoordinator} writing through
 * {@link PartitionCoordinatorIo} and replication's acks=all path, crashes at seeded operations, the recovered
 * partition replayed into a fresh coordinator). The workload: simple offset commits with metadata, OffsetDelete,
 * DeleteGroups, offset expiry (tombstones no client asked for) and KIP-848 consumer group members joining and
 * leaving (group, member and assignment records). The recovered state must be the state after a request at or after
 * the last acknowledged one, and every acknowledged commit that no later request touched is fetched back with its
 * value and metadata through OffsetFetch.
 *
 * <p>Two controls: without fsync the recovered state falls behind acknowledged requests; a loader that drops
 * tombstones brings deleted offsets back. {@code mvn verify} runs {@value #CI_SEEDS} seeds; {@code -Psim}
 * thousands; {@code -Dsim.seed=N} replays one.
 */
class GroupCoordinatorPowerLossTest {
    static final int CI_SEEDS = 80;
    private static final int CONTROL_SEEDS = 40;
    private static final RequestMeta V8 = new RequestMeta((short) 8, "client", "/127.0.0.1");
    private static final RequestMeta V1 = new RequestMeta((short) 1, "client", "/127.0.0.1");
    private static final GroupCoordinatorConfig CONFIG = GroupCoordinatorConfig.fromMap(Map.of(
            "offsets.topic.num.partitions", "1",
            "group.initial.rebalance.delay.ms", "0",
            "offsets.retention.minutes", "1",
            "offsets.retention.check.interval.ms", "86400000",
            "group.consumer.session.timeout.ms", "3600000",
            "group.consumer.heartbeat.interval.ms", "1000"));
    private static final Pattern ORDER = Pattern.compile(", order=\\d+");
    private static final Pattern EMPTY_SIMPLE_GROUP =
            Pattern.compile("classic (\\S+) Empty gen=0 proto=null leader=null type=null");
    private static final TopicMetadata NO_TOPICS = new TopicMetadata() {
        @Override
        public Topic topic(String name) {
            return null;
        }

        @Override
        public Topic topic(UUID id) {
            return null;
        }

        @Override
        public Collection<Topic> topics() {
            return List.of();
        }
    };

    @Test
    void acknowledgedGroupStateSurvivesPowerLoss() {
        Coverage coverage = new Coverage();
        Simulation.Summary summary = CoordinatorPowerLossRun.forEachSeed("GroupCoordinatorPowerLossTest", CI_SEEDS,
                coverage, GroupRun::new);
        System.out.println("GroupCoordinatorPowerLossTest: " + summary.seeds() + " seeds in " + summary.elapsedMs()
                + " ms, " + coverage);
        if (summary.seeds() >= 40) {
            coverage.assertCovered();
        }
    }

    @Test
    void controlWithoutFsyncAcknowledgedCommitsAreLost() {
        assertTrue(CoordinatorPowerLossRun.someSeedFails("GroupCoordinatorPowerLossTest", CONTROL_SEEDS,
                Sabotage.NO_FSYNC, GroupRun::new),
                "without fsync a power loss must lose acknowledged commits, else the check proves nothing");
    }

    @Test
    void controlALoaderThatDropsTombstonesBringsDeletedOffsetsBack() {
        assertTrue(CoordinatorPowerLossRun.someSeedFails("GroupCoordinatorPowerLossTest", CONTROL_SEEDS,
                Sabotage.DROP_TOMBSTONES, GroupRun::new),
                "a replay without tombstones must be caught, else the check does not look at deletions");
    }

    /**
     * A shard's state as its records can carry it. Without each offset's replay position ({@code order}: how many
     * records were replayed before it), which compaction changes without changing any answer (only the relative
     * order counts); and without simple groups that hold no offset: such a group has no record of its own, it exists
     * only while some offset record of it is replayed, and once compaction removed its offsets and their tombstones a
     * replay no longer makes it (as in Kafka, where it also lingers in memory until the next cleanup).
     */
    static String durable(String state) {
        StringBuilder out = new StringBuilder();
        for (String line : ORDER.matcher(state).replaceAll("").split("\n")) {
            Matcher m = EMPTY_SIMPLE_GROUP.matcher(line);
            if (m.matches() && !state.contains("\noffsets " + m.group(1) + " ") && !state.startsWith("offsets "
                    + m.group(1) + " ")) {
                continue;
            }
            out.append(line).append('\n');
        }
        return out.toString();
    }

    /** A commit request, with its key and value for the OffsetFetch check. */
    private static final class Commit extends Request {
        final String group;
        final String topic;
        final int partition;
        final long offset;
        final String metadata;

        Commit(String group, String topic, int partition, long offset, String metadata) {
            super("commit " + group + "/" + topic + "/" + partition + " " + offset);
            this.group = group;
            this.topic = topic;
            this.partition = partition;
            this.offset = offset;
            this.metadata = metadata;
        }

        String key() {
            return group + "/" + topic + "/" + partition;
        }
    }

    private static final class GroupRun extends CoordinatorPowerLossRun {
        final List<String> groups = List.of("g0", "g1", "g2", "g3");
        final List<String> topics = List.of("orders", "payments");
        /** Members of the consumer groups, as the clients know them. */
        final Map<String, List<String>> members = new HashMap<>();
        GroupCoordinator coordinator;

        GroupRun(long seed, Sabotage sabotage, Coverage coverage) {
            super(GroupCoordinator.TOPIC, seed, sabotage, coverage);
            members.put("cg0", new ArrayList<>());
            members.put("cg1", new ArrayList<>());
        }

        @Override
        void startCoordinator(PartitionCoordinatorIo io, CoordinatorLoader loader, int leaderEpoch) {
            coordinator = new GroupCoordinator(CONFIG, scheduler.clock(), life.events, life.events, io, loader,
                    NO_TOPICS);
            coordinator.onElection(0, leaderEpoch);
        }

        @Override
        CompletableFuture<String> readState() {
            return coordinator.readShard(0, s -> durable(s.describeState()));
        }

        @Override
        void step() {
            int what = random.nextInt(20);
            if (what < 10) {
                commit();
            } else if (what < 12) {
                deleteOffsets();
            } else if (what < 13) {
                deleteGroup();
            } else if (what < 14) {
                expire();
            } else if (what < 17) {
                join();
            } else if (what < 19) {
                leave();
            } else {
                scheduler.runFor(1 + random.nextInt(100));
            }
        }

        /** What an OffsetFetch answers for each acknowledged commit that no later request touched. */
        @Override
        String checkClients(int lastAcked) {
            for (int i = 1; i <= lastAcked; i++) {
                if (!(requests.get(i) instanceof Commit c) || touchedAfter(c, i)) {
                    continue;
                }
                OffsetFetchResponse.OffsetFetchResponsePartitions p = fetch(c.group, c.topic, c.partition);
                if (p.committedOffset() != c.offset || !c.metadata.equals(p.metadata())) {
                    return "seed " + seed + ": acknowledged " + c + " fetched back as " + p.committedOffset() + " '"
                            + p.metadata() + "'";
                }
            }
            return null;
        }

        private boolean touchedAfter(Commit c, int index) {
            for (int i = index + 1; i < requests.size(); i++) {
                String w = requests.get(i).what;
                if (w.contains(c.key() + " ") || w.endsWith(c.key()) || w.startsWith("expire")
                        || w.equals("delete-group " + c.group)) {
                    return true;
                }
            }
            return false;
        }

        /** The consumer groups' members follow the recovered state (a lost join never happened). */
        @Override
        void afterRecovery() {
            for (List<String> in : members.values()) {
                in.removeIf(m -> !loadedState.contains("[" + m + " "));
            }
        }

        private OffsetFetchResponse.OffsetFetchResponsePartitions fetch(String group, String topic, int partition) {
            OffsetFetchRequest req = new OffsetFetchRequest();
            req.groups().add(new OffsetFetchRequest.OffsetFetchRequestGroup().setGroupId(group).setTopics(
                    new ArrayList<>(List.of(new OffsetFetchRequest.OffsetFetchRequestTopics().setName(topic)
                            .setPartitionIndexes(new ArrayList<>(List.of(partition)))))));
            CompletableFuture<OffsetFetchResponse> f = coordinator.fetchOffsets(V8, req);
            runUntil(f::isDone);
            return f.join().groups().get(0).topics().get(0).partitions().get(0);
        }

        private void commit() {
            Commit c = new Commit(groups.get(random.nextInt(groups.size())), topics.get(random.nextInt(topics.size())),
                    random.nextInt(3), random.nextInt(1_000_000), "m" + random.nextInt(100));
            OffsetCommitRequest req = new OffsetCommitRequest().setGroupId(c.group).setMemberId("")
                    .setGenerationIdOrMemberEpoch(-1);
            req.topics().add(new OffsetCommitRequest.OffsetCommitRequestTopic().setName(c.topic).setPartitions(
                    new ArrayList<>(List.of(new OffsetCommitRequest.OffsetCommitRequestPartition()
                            .setPartitionIndex(c.partition).setCommittedOffset(c.offset)
                            .setCommittedMetadata(c.metadata)))));
            request(c, () -> coordinator.commitOffsets(V8, req),
                    r -> r.topics().get(0).partitions().get(0).errorCode() == ErrorCode.NONE.code());
        }

        private void deleteOffsets() {
            String group = groups.get(random.nextInt(groups.size()));
            String topic = topics.get(random.nextInt(topics.size()));
            OffsetDeleteRequest req = new OffsetDeleteRequest().setGroupId(group);
            List<OffsetDeleteRequest.OffsetDeleteRequestPartition> parts = new ArrayList<>();
            StringBuilder what = new StringBuilder("delete-offsets");
            for (int p = 0; p < 3; p++) {
                parts.add(new OffsetDeleteRequest.OffsetDeleteRequestPartition().setPartitionIndex(p));
                what.append(' ').append(group).append('/').append(topic).append('/').append(p);
            }
            req.topics().add(new OffsetDeleteRequest.OffsetDeleteRequestTopic().setName(topic).setPartitions(parts));
            request(new Request(what.toString()), () -> coordinator.deleteOffsets(V8, req),
                    r -> r.errorCode() == ErrorCode.NONE.code());
        }

        private void deleteGroup() {
            String group = groups.get(random.nextInt(groups.size()));
            request(new Request("delete-group " + group), () -> coordinator.deleteGroups(V8,
                    new DeleteGroupsRequest().setGroupsNames(new ArrayList<>(List.of(group)))),
                    r -> r.results().get(0).errorCode() == ErrorCode.NONE.code());
        }

        /** Offsets older than the retention (one minute) expire: tombstones no client asked for. */
        private void expire() {
            scheduler.runFor(61_000);
            coordinator.expireOffsetsNow();
            capture(new Request("expire"));
        }

        private void join() {
            String group = random.nextBoolean() ? "cg0" : "cg1";
            String member = new UUID(seed, random.nextLong()).toString();
            ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(group)
                    .setMemberId(member).setMemberEpoch(0).setRebalanceTimeoutMs(5000)
                    .setSubscribedTopicNames(new ArrayList<>(List.of("absent"))).setTopicPartitions(new ArrayList<>());
            members.get(group).add(member);
            request(new Request("join " + group + " " + member), () -> coordinator.consumerGroupHeartbeat(V1, req),
                    r -> r.errorCode() == ErrorCode.NONE.code());
        }

        private void leave() {
            String group = random.nextBoolean() ? "cg0" : "cg1";
            List<String> in = members.get(group);
            if (in.isEmpty()) {
                return;
            }
            String member = in.remove(random.nextInt(in.size()));
            ConsumerGroupHeartbeatRequest req = new ConsumerGroupHeartbeatRequest().setGroupId(group)
                    .setMemberId(member).setMemberEpoch(-1);
            request(new Request("leave " + group + " " + member), () -> coordinator.consumerGroupHeartbeat(V1, req),
                    r -> r.errorCode() == ErrorCode.NONE.code());
        }
    }
}
