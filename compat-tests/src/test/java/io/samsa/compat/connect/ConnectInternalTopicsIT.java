package io.samsa.compat.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.compat.Topics;
import io.samsa.embedded.EmbeddedSamsa;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Connect in distributed mode keeps its state in three compacted topics (connector configs, source offsets,
 * statuses) and refuses to start when they are not compacted. Against Samsa: a worker creates them, Samsa reports
 * them compacted, and after the worker and the broker restart the connector's config is back from the config topic,
 * its status from the status topic, and its task resumes from the offset in the offsets topic without a gap or a
 * repeat.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConnectInternalTopicsIT {
    private static final String CONFIGS = "connect-configs";
    private static final String OFFSETS = "connect-offsets";
    private static final String STATUS = "connect-status";
    private static final String OUT = "counted";
    private static final String CONNECTOR = "counter";

    private static Map<String, String> workerProps(EmbeddedSamsa broker) {
        Map<String, String> p = ConnectWorkers.props(broker.bootstrapServers(), "connect-cluster", "connect",
                "http://127.0.0.1:0");
        p.put("offset.flush.interval.ms", "100");
        return p;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        ConnectWorkers.await(what, condition);
    }

    private static Connect<DistributedHerder> startWorker(EmbeddedSamsa broker) throws InterruptedException {
        return ConnectWorkers.start(workerProps(broker));
    }

    private static void putConnector(Herder herder, long max) throws InterruptedException {
        ConnectWorkers.putConnector(herder, CONNECTOR, Map.of("name", CONNECTOR, "connector.class",
                CountingSourceConnector.class.getName(), "tasks.max", "1", "topic", OUT, "max", Long.toString(max)));
    }

    /** The values of every record of single-partition {@code topic}, in order. */
    private static List<String> values(EmbeddedSamsa broker, String topic) {
        List<String> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : Topics.readAll(broker.bootstrapServers(), topic)) {
            out.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<String> numbers(long from, long to) {
        List<String> out = new ArrayList<>();
        for (long n = from; n < to; n++) {
            out.add(Long.toString(n));
        }
        return out;
    }

    @Test
    void aConnectorKeepsItsConfigStatusAndOffsetsAcrossRestarts() throws Exception {
        try (EmbeddedSamsa broker = EmbeddedSamsa.builder().config("offsets.topic.num.partitions", "1").start();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(OUT, 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
            Connect<DistributedHerder> first = startWorker(broker);
            try {
                for (String topic : List.of(CONFIGS, OFFSETS, STATUS)) {
                    Config c = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic)))
                            .all().get(15, TimeUnit.SECONDS).values().iterator().next();
                    assertEquals("compact", c.get("cleanup.policy").value(), topic);
                }
                putConnector(first.herder(), 500);
                await("the task counted to 500", () -> values(broker, OUT).size() >= 500);
                await("the offset of 499 is stored", () -> {
                    List<String> offsets = values(broker, OFFSETS);
                    return !offsets.isEmpty() && offsets.get(offsets.size() - 1).contains("499");
                });
            } finally {
                first.stop();
            }
            assertEquals(numbers(0, 500), values(broker, OUT));

            broker.restart();
            Connect<DistributedHerder> second = startWorker(broker);
            try {
                await("the connector is back from the config topic and running",
                        () -> ConnectWorkers.running(second.herder(), CONNECTOR));
                assertTrue(second.herder().connectors().contains(CONNECTOR));
                assertEquals("500", second.herder().connectorInfo(CONNECTOR).config().get("max"));
                putConnector(second.herder(), 600);
                await("the task counted on to 600", () -> values(broker, OUT).size() >= 600);
                assertEquals(numbers(0, 600), values(broker, OUT), "no number lost or repeated");
            } finally {
                second.stop();
            }
        }
    }
}
