package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.KafkaTool;
import io.samsa.server.KafkaTool.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka's {@code kafka-topics} tool (TopicCommand of kafka-tools 4.3.1) against the broker. The tool
 * needs kafka-clients 4.3.1, which cannot share the tests' classpath (4.4.0), so it runs in a child
 * JVM on {@code target/kafka-tools/*}, copied by the maven-dependency-plugin before the ITs. Each run
 * is bounded by a timeout and its stdout is asserted line by line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopicCommandIT {

    private static EmbeddedBroker broker;
    private static Path clientConfig;
    private static KafkaTool tool;


    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start();
        clientConfig = Files.createTempFile("topic-command", ".properties");
        Files.writeString(clientConfig, "request.timeout.ms=5000\ndefault.api.timeout.ms=15000\n");
        tool = new KafkaTool("org.apache.kafka.tools.TopicCommand", "--bootstrap-server", broker.bootstrapServers(),
                "--command-config", clientConfig.toString());
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
        Files.deleteIfExists(clientConfig);
    }

    private static Run topics(String... args) throws Exception {
        return tool.run(args);
    }

    private static Run ok(String... args) throws Exception {
        return tool.ok(args);
    }

    /** Kafka prints topic ids as 22 characters of URL-safe base64. */
    private static String kafkaId(UUID id) {
        byte[] b = java.nio.ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Test
    void createListDescribeAlterDelete() throws Exception {
        assertEquals(List.of("Created topic cli-orders."), ok("--create", "--topic", "cli-orders",
                "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=3600000").out());
        assertTrue(ok("--list").out().contains("cli-orders"));

        List<String> described = ok("--describe", "--topic", "cli-orders").out();
        assertEquals(4, described.size(), String.join("\n", described));
        String head = described.get(0);
        UUID id = broker.broker().services().metadata().image().topic("cli-orders").id();
        assertTrue(head.startsWith("Topic: cli-orders\tTopicId: " + kafkaId(id) + "\t"), head);
        assertTrue(head.contains("PartitionCount: 3\t"), head);
        assertTrue(head.contains("ReplicationFactor: 1\t"), head);
        assertTrue(head.contains("Configs: retention.ms=3600000"), head);
        for (int p = 0; p < 3; p++) {
            String line = described.get(p + 1).trim();
            assertTrue(line.startsWith("Topic: cli-orders\tPartition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1"),
                    line);
        }

        ok("--alter", "--topic", "cli-orders", "--partitions", "5");
        assertEquals(6, ok("--describe", "--topic", "cli-orders").out().size());

        Run shrink = topics("--alter", "--topic", "cli-orders", "--partitions", "2");
        assertEquals(1, shrink.exit(), shrink.all());
        assertTrue(shrink.out().contains("Error while executing topic command : The topic cli-orders currently has 5 "
                + "partition(s); 2 would not be an increase."), shrink.all());
        Run exists = topics("--create", "--topic", "cli-orders", "--partitions", "1");
        assertEquals(1, exists.exit(), exists.all());
        assertTrue(exists.out().contains("Error while executing topic command : Topic 'cli-orders' already exists."),
                exists.all());

        ok("--delete", "--topic", "cli-orders");
        assertFalse(ok("--list").out().contains("cli-orders"));
    }

    @Test
    void createWithBrokerDefaultsAndFilterUnderReplicated() throws Exception {
        ok("--create", "--topic", "cli-defaults");
        List<String> described = ok("--describe", "--topic", "cli-defaults").out();
        assertEquals(2, described.size(), String.join("\n", described));
        assertTrue(described.get(0).contains("PartitionCount: 1\t"), described.get(0));
        assertEquals(List.of(), ok("--describe", "--under-replicated-partitions").out());
    }
}
