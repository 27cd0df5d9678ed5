package io.samsa.compat.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.compat.Topics;
import io.samsa.embedded.EmbeddedSamsa;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;
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
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("group.id", "connect-cluster");
        p.put("config.storage.topic", CONFIGS);
        p.put("offset.storage.topic", OFFSETS);
        p.put("status.storage.topic", STATUS);
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("listeners", "http://127.0.0.1:0");
        p.put("offset.flush.interval.ms", "100");
        // A restarted worker gets its connector back at once, not after the 5-minute grace of a lost member.
        p.put("scheduled.rebalance.max.delay.ms", "0");
        return p;
    }

    /**
     * Starts a worker in this JVM. Connect exits the JVM when it cannot start and swaps the thread's context class
     * loader for its plugin loader: the first throws here instead, the second is undone.
     */
    private static Connect<DistributedHerder> startWorker(EmbeddedSamsa broker) throws InterruptedException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Connect wanted to exit with " + code + ": " + message);
        });
        Connect<DistributedHerder> connect;
        try {
            connect = new ConnectDistributed().startConnect(workerProps(broker));
        } finally {
            Exit.resetExitProcedure();
            Thread.currentThread().setContextClassLoader(loader);
        }
        await("the worker is ready", () -> connect.herder().isReady());
        return connect;
    }

    private static void putConnector(Herder herder, long max) throws InterruptedException {
        Map<String, String> config = Map.of("name", CONNECTOR, "connector.class",
                CountingSourceConnector.class.getName(), "tasks.max", "1", "topic", OUT, "max", Long.toString(max));
        List<Exception> refusals = new ArrayList<>();
        try {
            await("the connector config is accepted", () -> {
                FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
                herder.putConnectorConfig(CONNECTOR, config, true, cb);
                try {
                    cb.get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception rebalancing) {
                    refusals.add(rebalancing);
                    return false;
                }
            });
        } catch (AssertionError e) {
            e.addSuppressed(refusals.isEmpty() ? new IllegalStateException("no answer") : refusals.get(0));
            throw e;
        }
    }

    private static boolean running(Herder herder) {
        try {
            ConnectorStateInfo s = herder.connectorStatus(CONNECTOR);
            return "RUNNING".equals(s.connector().state()) && s.tasks().size() == 1
                    && "RUNNING".equals(s.tasks().get(0).state());
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Topics.await(what, 120, condition);
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
                await("the connector is back from the config topic and running", () -> running(second.herder()));
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
