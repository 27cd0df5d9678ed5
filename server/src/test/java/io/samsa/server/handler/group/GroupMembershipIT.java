package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.server.EmbeddedBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.StaleMemberEpochException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Membership churn with the official Java consumer: three members on six partitions, a fourth joins, one
 * leaves cleanly and one crashes (closes without leaving). No partition is owned by two live members at
 * once, every new owner starts exactly at the group's committed offset (nothing committed is skipped), every
 * produced message is consumed, the group ends committed at every partition's end with the two survivors owning
 * three partitions each, and the only commit failures are those a rebalance causes (CommitFailedException and the
 * fencing errors: their records are read again); any other commit error fails the test.
 */
@Timeout(120)
class GroupMembershipIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = GroupTestSupport.startBroker();
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    /** A consumer on its own thread, recording what it reads and which partitions it owns. */
    private static final class Member implements AutoCloseable {
        final KafkaConsumer<byte[], byte[]> consumer;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        /** Partition -> the committed offset its first record after an assignment must have. Poll thread. */
        final Map<TopicPartition, Long> firstExpected = new HashMap<>();
        volatile boolean crash;

        Member(Properties props, String topic, Shared shared) {
            consumer = new KafkaConsumer<>(props);
            thread = new Thread(() -> {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                        parts.forEach(tp -> shared.owners.remove(tp, Member.this));
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                        // The new owner must start exactly at the group's commit: nothing committed is skipped.
                        consumer.committed(Set.copyOf(parts), Duration.ofSeconds(5)).forEach((tp, om) ->
                                firstExpected.put(tp, om == null ? 0L : om.offset()));
                        for (TopicPartition tp : parts) {
                            Member prev = shared.owners.put(tp, Member.this);
                            if (prev != null && prev != Member.this) {
                                shared.violations.add(tp + " given to a member while another still owns it");
                            }
                        }
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> parts) {
                        onPartitionsRevoked(parts);
                    }
                });
                try {
                    while (running.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            shared.seen.add(new String(r.value()));
                            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                            Long first = firstExpected.remove(tp);
                            if (first != null && r.offset() != first) {
                                shared.violations.add(tp + " resumed at " + r.offset() + ", committed " + first);
                            }
                        }
                        try {
                            consumer.commitSync(Duration.ofSeconds(5));
                        } catch (CommitFailedException | RebalanceInProgressException
                                 | StaleMemberEpochException | UnknownMemberIdException | IllegalGenerationException e) {
                            // A rebalance fenced this commit; the records are read again by the new owner.
                            shared.fencedCommits.incrementAndGet();
                        } catch (RuntimeException e) {
                            shared.violations.add("commit failed: " + e);
                        }
                    }
                } finally {
                    if (crash) {
                        consumer.close(CloseOptions.groupMembershipOperation(
                                CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP).timeout(Duration.ofSeconds(5)));
                    } else {
                        consumer.close(Duration.ofSeconds(5));
                    }
                }
            });
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(20_000);
        }
    }

    private static final class Shared {
        final Map<TopicPartition, Member> owners = new ConcurrentHashMap<>();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final List<String> violations = new CopyOnWriteArrayList<>();
        /** Commits a rebalance fenced (expected during churn; their records are read again). */
        final AtomicInteger fencedCommits = new AtomicInteger();
    }

    private static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic-range", "classic-cooperative-sticky", "consumer"})
    void churnKeepsOwnershipExclusiveAndLosesNothing(String mode) throws Exception {
        String topic = "churn-" + mode;
        String protocol = mode.startsWith("classic") ? "classic" : "consumer";
        GroupTestSupport.createTopic(broker, topic, 6);
        GroupTestSupport.produce(broker, topic, 6, 0, 300);
        Properties props = GroupTestSupport.consumerProps(broker, "churn-" + mode, protocol);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "10000");
        if (mode.equals("classic-cooperative-sticky")) {
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        }
        Shared shared = new Shared();
        List<Member> members = new ArrayList<>();
        Map<TopicPartition, Member> finalOwners = new HashMap<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(props, topic, shared));
            }
            await("six partitions owned", () -> shared.owners.size() == 6);
            members.add(new Member(props, topic, shared));
            await("the fourth member owns a partition", () -> shared.owners.containsValue(members.get(3)));
            members.remove(0).close();
            Member crashed = members.remove(0);
            crashed.crash = true;
            crashed.close();
            shared.owners.values().removeIf(m -> m == crashed);
            GroupTestSupport.produce(broker, topic, 6, 300, 300);
            await("all 600 messages consumed", () -> shared.seen.size() == 600);
            await("the two survivors own everything", () -> shared.owners.size() == 6
                    && shared.owners.values().stream().allMatch(members::contains));
            await("the two survivors share the six partitions three and three", () -> members.stream()
                    .allMatch(m -> shared.owners.values().stream().filter(o -> o == m).count() == 3));
            finalOwners.putAll(shared.owners);
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
        assertEquals(List.of(), shared.violations);
        assertEquals(600, shared.seen.size());
        try (Admin admin = Admin.create(Map.of(
                "bootstrap.servers", broker.bootstrapServers(), "default.api.timeout.ms", "10000",
                "request.timeout.ms", "5000"))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets("churn-" + mode).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            for (int p = 0; p < 6; p++) {
                assertEquals(100, committed.get(new TopicPartition(topic, p)).offset(), "committed end of " + p);
            }
        }
        assertEquals(6, finalOwners.size(), "every partition had one owner at the end: " + finalOwners);
    }
}
