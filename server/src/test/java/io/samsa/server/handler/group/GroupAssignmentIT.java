package io.samsa.server.handler.group;

import static io.samsa.server.handler.group.ConsumerThread.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who gets which partitions, with the official Java consumer under both group protocols: a static member
 * (KIP-345 / KIP-848 {@code group.instance.id}) that restarts within its session timeout gets its partitions
 * back without a rebalance, and a group with more members than partitions leaves the extra members idle
 * (queue semantics: every message read once, by the one owner of its partition).
 */
@Timeout(90)
class GroupAssignmentIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        // A session long enough for a static member to restart inside it.
        broker = GroupTestSupport.startBroker(Map.of("group.consumer.session.timeout.ms", "10000"));
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static int total(List<ConsumerThread> members) {
        int n = 0;
        for (ConsumerThread m : members) {
            n += m.values.size();
        }
        return n;
    }

    private static Set<String> distinct(List<ConsumerThread> members, ConsumerThread old) {
        Set<String> out = new HashSet<>(old.values);
        for (ConsumerThread m : members) {
            out.addAll(m.values);
        }
        return out;
    }

    private static void assertNoFailure(List<ConsumerThread> members) {
        for (ConsumerThread m : members) {
            assertNull(m.failure, m.name + " failed: " + m.failure);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aStaticMemberRestartsWithoutARebalance(String protocol) throws Exception {
        String topic = "static-" + protocol;
        GroupTestSupport.createTopic(broker, topic, 6);
        GroupTestSupport.produce(broker, topic, 6, 0, 60);
        List<ConsumerThread> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new ConsumerThread("instance-" + i, staticProps(topic, protocol, i), topic));
            }
            await("three members with two partitions each, in one generation, all 60 read", () -> {
                Set<Integer> generations = new HashSet<>();
                for (ConsumerThread m : members) {
                    if (m.assignment.size() != 2) {
                        return false;
                    }
                    generations.add(m.generation);
                }
                return generations.size() == 1 && total(members) == 60;
            });
            int generation = members.get(0).generation;
            List<Set<TopicPartition>> assignments = new ArrayList<>();
            List<Integer> assignedCallbacks = new ArrayList<>();
            List<Integer> revokedCallbacks = new ArrayList<>();
            for (ConsumerThread m : members) {
                assignments.add(m.assignment);
                assignedCallbacks.add(m.assignedCallbacks.get());
                revokedCallbacks.add(m.revokedCallbacks.get());
            }

            ConsumerThread old = members.get(0);
            old.close();
            ConsumerThread again = new ConsumerThread("instance-0-again", staticProps(topic, protocol, 0), topic);
            members.set(0, again);
            await("the restarted member owns partitions", () -> !again.assignment.isEmpty() || again.failure != null);
            GroupTestSupport.produce(broker, topic, 6, 60, 30);
            await("all 90 messages read", () -> distinct(members, old).size() == 90);
            // Give a rebalance, had one started, time to reach every member (well over a heartbeat interval).
            for (ConsumerThread m : members) {
                m.awaitPolls(10);
            }

            assertNoFailure(members);
            assertEquals(assignments.get(0), again.assignment, "the static member got its partitions back");
            assertEquals(generation, again.generation, "and rejoined in the same generation / member epoch");
            for (int i = 1; i < 3; i++) {
                ConsumerThread m = members.get(i);
                assertEquals(generation, m.generation, m.name + ": no new generation");
                assertEquals(assignments.get(i), m.assignment, m.name + ": same partitions");
                assertEquals(assignedCallbacks.get(i), m.assignedCallbacks.get(), m.name + ": no assignment");
                assertEquals(revokedCallbacks.get(i), m.revokedCallbacks.get(), m.name + ": no revocation");
            }
            assertEquals(90, total(members) + old.values.size(), "every message read exactly once: "
                    + again.values + " after " + old.values);
        } finally {
            for (ConsumerThread m : members) {
                m.close();
            }
        }
    }

    private static Properties staticProps(String topic, String protocol, int instance) {
        Properties p = GroupTestSupport.consumerProps(broker, "group-" + topic, protocol);
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-" + instance);
        if (protocol.equals("classic")) {
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void extraMembersStayIdle(String protocol) throws Exception {
        String topic = "queue-" + protocol;
        GroupTestSupport.createTopic(broker, topic, 3);
        GroupTestSupport.produce(broker, topic, 3, 0, 30);
        Properties props = GroupTestSupport.consumerProps(broker, "group-" + topic, protocol);
        List<ConsumerThread> members = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                members.add(new ConsumerThread("member-" + i, props, topic));
            }
            await("three partitions owned and 30 messages read", () -> {
                int owned = 0;
                for (ConsumerThread m : members) {
                    owned += m.assignment.size();
                }
                return owned == 3 && total(members) == 30;
            });
            for (ConsumerThread m : members) {
                m.awaitPolls(5);
            }
            assertNoFailure(members);
            Set<TopicPartition> all = new HashSet<>();
            int busy = 0;
            for (ConsumerThread m : members) {
                assertTrue(m.assignment.size() <= 1, m.name + " owns " + m.assignment);
                for (TopicPartition tp : m.assignment) {
                    assertTrue(all.add(tp), tp + " owned twice");
                }
                busy += m.assignment.isEmpty() ? 0 : 1;
            }
            assertEquals(3, busy, "exactly as many members as partitions have work");
            assertEquals(3, all.size());
            assertEquals(30, total(members), "every message read once");
        } finally {
            for (ConsumerThread m : members) {
                m.close();
            }
        }
    }
}
