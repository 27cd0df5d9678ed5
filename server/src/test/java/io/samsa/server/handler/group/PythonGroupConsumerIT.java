package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Group consumers of other clients, run by {@code group_consumer.py} in a child process with Debian's
 * {@code /usr/bin/python3}: librdkafka (python3-confluent-kafka) with its range and cooperative-sticky assignors,
 * and kafka-python (python3-kafka). Two members share a four-partition topic; every message is read with the
 * right value at the right offset, the members end with disjoint halves, and the group's committed offsets are
 * the partitions' ends. A client that is not installed is skipped with the reason printed.
 */
@Timeout(120)
class PythonGroupConsumerIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int PARTITIONS = 4;
    private static final int PER_PARTITION = 10;
    private static final Pattern RECORD = Pattern.compile(
            "\\{\"member\": (\\d), \"partition\": (\\d+), \"offset\": (\\d+), \"value\": \"(\\d+)\"}");
    private static final Pattern ASSIGNMENT = Pattern.compile("\\{\"member\": (\\d), \"assignment\": \\[([\\d, ]*)]}");

    private static EmbeddedBroker broker;
    private static Path script;

    @BeforeAll
    static void start() throws Exception {
        broker = GroupTestSupport.startBroker();
        script = Files.createTempFile("group_consumer", ".py");
        try (InputStream in = PythonGroupConsumerIT.class.getResourceAsStream("group_consumer.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
        Files.deleteIfExists(script);
    }

    /** Skips the test (printing why) unless {@code module} imports in Debian's Python. */
    private static void assumeModule(String module) throws Exception {
        boolean ok = Files.isExecutable(Path.of(PYTHON));
        if (ok) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
            ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            p.destroyForcibly();
        }
        if (!ok) {
            String reason = "Skipping: `" + PYTHON + " -c 'import " + module + "'` fails (install the Debian package)";
            System.out.println(reason);
            Assumptions.assumeTrue(false, reason);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"confluent, confluent_kafka, range", "confluent, confluent_kafka, cooperative-sticky",
            "kafka-python, kafka, range"})
    void twoMembersShareTheTopicAndCommitTheirEnds(String client, String module, String assignor) throws Exception {
        assumeModule(module);
        String topic = "py-" + client + "-" + assignor;
        String group = "py-group-" + client + "-" + assignor;
        GroupTestSupport.createTopic(broker, topic, PARTITIONS);
        GroupTestSupport.produce(broker, topic, PARTITIONS, 0, PARTITIONS * PER_PARTITION);

        Path out = Files.createTempFile("group_consumer", ".out");
        List<String> lines;
        int exit;
        try {
            Process p = new ProcessBuilder(PYTHON, script.toString(), client, broker.bootstrapServers(), topic, group,
                    Integer.toString(PARTITIONS), Integer.toString(PER_PARTITION), assignor)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(80, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(client + " did not finish in 80 s:\n" + Files.readString(out));
            }
            exit = p.exitValue();
            lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
        String all = String.join("\n", lines);
        assertEquals(0, exit, all);

        Set<Integer> values = new TreeSet<>();
        List<Set<Integer>> assignments = new ArrayList<>(List.of(new TreeSet<>(), new TreeSet<>()));
        for (String line : lines) {
            Matcher r = RECORD.matcher(line);
            Matcher a = ASSIGNMENT.matcher(line);
            if (r.matches()) {
                int partition = Integer.parseInt(r.group(2));
                long offset = Long.parseLong(r.group(3));
                int value = Integer.parseInt(r.group(4));
                // produce() wrote message i to partition i % 4, so it sits at offset i / 4.
                assertEquals(partition, value % PARTITIONS, line);
                assertEquals(value / PARTITIONS, offset, line);
                values.add(value);
            } else if (a.matches() && !a.group(2).isBlank()) {
                for (String part : a.group(2).split(",")) {
                    assignments.get(Integer.parseInt(a.group(1))).add(Integer.parseInt(part.trim()));
                }
            }
        }
        assertEquals(PARTITIONS * PER_PARTITION, values.size(), "every message read: " + all);
        assertFalse(assignments.get(0).isEmpty(), all);
        assertFalse(assignments.get(1).isEmpty(), all);
        Set<Integer> union = new HashSet<>(assignments.get(0));
        union.addAll(assignments.get(1));
        assertEquals(PARTITIONS, union.size(), "disjoint halves that cover the topic: " + assignments);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000"))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            for (int p = 0; p < PARTITIONS; p++) {
                OffsetAndMetadata om = committed.get(new TopicPartition(topic, p));
                assertTrue(om != null && om.offset() == PER_PARTITION, "partition " + p + ": " + committed);
            }
        }
    }
}
