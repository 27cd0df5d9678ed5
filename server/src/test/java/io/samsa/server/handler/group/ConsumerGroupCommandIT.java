package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.KafkaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka's {@code kafka-consumer-groups} tool (ConsumerGroupCommand of kafka-tools 4.3.1, in a child JVM, see
 * {@link KafkaTool}) against the broker: list, describe with lag (OffsetFetch + ListOffsets), members and state,
 * reset offsets (--to-earliest, --to-offset, --shift-by with --execute) and delete. Output is asserted column by
 * column.
 */
@Timeout(120)
class ConsumerGroupCommandIT {
    private static final String TOPIC = "cg-orders";

    private static EmbeddedBroker broker;
    private static Path clientConfig;
    private static KafkaTool groups;

    @BeforeAll
    static void start() throws Exception {
        broker = GroupTestSupport.startBroker();
        GroupTestSupport.createTopic(broker, TOPIC, 3);
        GroupTestSupport.produce(broker, TOPIC, 3, 0, 30);
        clientConfig = Files.createTempFile("consumer-groups", ".properties");
        Files.writeString(clientConfig, "request.timeout.ms=5000\ndefault.api.timeout.ms=15000\n");
        groups = new KafkaTool("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server",
                broker.bootstrapServers(), "--command-config", clientConfig.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
        Files.deleteIfExists(clientConfig);
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "5000"));
    }

    private static Map<Integer, Long> committed(String group) throws Exception {
        try (Admin admin = admin()) {
            Map<Integer, Long> out = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                    .forEach((tp, om) -> out.put(tp.partition(), om.offset()));
            return out;
        }
    }

    /** The data rows of a table whose header starts with GROUP (the tool prints one table per group). */
    private static List<String[]> rows(KafkaTool.Run r) {
        return r.out().stream().filter(l -> !l.startsWith("GROUP") && !l.startsWith("Consumer group"))
                .map(l -> l.trim().split("\\s+")).toList();
    }

    private static KafkaConsumer<byte[], byte[]> member(String group, String protocol) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(GroupTestSupport.consumerProps(broker, group, protocol));
        c.subscribe(List.of(TOPIC));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (c.assignment().size() < 3) {
            c.poll(Duration.ofMillis(100));
            if (System.nanoTime() > deadline) {
                throw new AssertionError("The member never got the three partitions");
            }
        }
        return c;
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void listAndDescribeAnActiveGroupWithItsLag(String protocol) throws Exception {
        String group = "cg-live-" + protocol;
        try (KafkaConsumer<byte[], byte[]> c = member(group, protocol)) {
            c.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(10),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(4),
                    new TopicPartition(TOPIC, 2), new OffsetAndMetadata(7)));
            String memberId = c.groupMetadata().memberId();

            assertTrue(groups.ok("--list").out().contains(group));

            List<String[]> described = rows(groups.ok("--describe", "--group", group));
            assertEquals(3, described.size());
            long[][] expected = {{10, 10, 0}, {4, 10, 6}, {7, 10, 3}};
            for (String[] row : described) {
                assertEquals(group, row[0]);
                assertEquals(TOPIC, row[1]);
                int p = Integer.parseInt(row[2]);
                assertEquals(expected[p][0], Long.parseLong(row[3]), "CURRENT-OFFSET of " + p);
                assertEquals(expected[p][1], Long.parseLong(row[4]), "LOG-END-OFFSET of " + p);
                assertEquals(expected[p][2], Long.parseLong(row[5]), "LAG of " + p);
                assertEquals(memberId, row[6], "CONSUMER-ID");
                assertEquals("/127.0.0.1", row[7], "HOST");
            }

            List<String[]> state = rows(groups.ok("--describe", "--group", group, "--state"));
            assertEquals(1, state.size());
            String[] s = state.get(0);
            assertEquals(group, s[0]);
            assertEquals(protocol.equals("classic") ? "range" : "uniform", s[3], "ASSIGNMENT-STRATEGY");
            assertEquals("Stable", s[4]);
            assertEquals("1", s[5], "#MEMBERS");

            List<String[]> members = rows(groups.ok("--describe", "--group", group, "--members"));
            assertEquals(1, members.size());
            assertEquals(memberId, members.get(0)[1]);
            assertEquals("3", members.get(0)[4], "#PARTITIONS");

            KafkaTool.Run busy = groups.run("--reset-offsets", "--group", group, "--topic", TOPIC, "--to-earliest",
                    "--execute");
            assertTrue(busy.all().contains("can only be reset if the group '" + group + "' is inactive"),
                    busy.all());
            assertEquals(Map.of(0, 10L, 1, 4L, 2, 7L), committed(group), "an active group's offsets stay");
        }
    }

    @Test
    void resetOffsetsAndDeleteAnInactiveGroup() throws Exception {
        String group = "cg-reset";
        try (KafkaConsumer<byte[], byte[]> c = member(group, "classic")) {
            c.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(10),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(10),
                    new TopicPartition(TOPIC, 2), new OffsetAndMetadata(10)));
        }

        List<String[]> dryRun = rows(groups.ok("--reset-offsets", "--group", group, "--topic", TOPIC,
                "--to-earliest"));
        assertEquals(3, dryRun.size());
        dryRun.forEach(row -> assertEquals("0", row[3], "NEW-OFFSET"));
        assertEquals(Map.of(0, 10L, 1, 10L, 2, 10L), committed(group), "without --execute nothing changes");

        groups.ok("--reset-offsets", "--group", group, "--topic", TOPIC, "--to-earliest", "--execute");
        assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), committed(group));

        List<String[]> one = rows(groups.ok("--reset-offsets", "--group", group, "--topic", TOPIC + ":1",
                "--to-offset", "5", "--execute"));
        assertEquals(1, one.size());
        assertEquals("5", one.get(0)[3]);
        assertEquals(Map.of(0, 0L, 1, 5L, 2, 0L), committed(group));

        groups.ok("--reset-offsets", "--group", group, "--topic", TOPIC, "--shift-by", "3", "--execute");
        assertEquals(Map.of(0, 3L, 1, 8L, 2, 3L), committed(group));
        groups.ok("--reset-offsets", "--group", group, "--topic", TOPIC, "--shift-by", "4", "--execute");
        assertEquals(Map.of(0, 7L, 1, 10L, 2, 7L), committed(group), "a shift past the end stops at the end");

        List<String[]> lag = rows(groups.ok("--describe", "--group", group));
        assertEquals(3, lag.size());
        for (String[] row : lag) {
            assertEquals(Integer.parseInt(row[2]) == 1 ? "0" : "3", row[5], "LAG after the resets");
        }

        assertEquals(List.of("Deletion of requested consumer groups ('" + group + "') was successful."),
                groups.ok("--delete", "--group", group).out());
        assertFalse(groups.ok("--list").out().contains(group));
        assertEquals(Map.of(), committed(group), "its offsets went with it");
        KafkaTool.Run missing = groups.run("--delete", "--group", group);
        assertTrue(missing.all().contains("Group '" + group + "' could not be deleted due to: "
                + "org.apache.kafka.common.errors.GroupIdNotFoundException"), missing.all());
    }
}
