package io.samsa.server.handler.group;

import io.samsa.server.EmbeddedBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Shared set-up of the group ITs: a broker with short group timeouts, topics, client properties. */
final class GroupTestSupport {
    private GroupTestSupport() {
    }

    static EmbeddedBroker startBroker() throws Exception {
        return startBroker(Map.of());
    }

    /** A broker with the group ITs' short timeouts, and {@code extra} on top. */
    static EmbeddedBroker startBroker(Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of("group.min.session.timeout.ms", "500",
                "group.consumer.heartbeat.interval.ms", "200", "group.consumer.session.timeout.ms", "3000",
                "offsets.topic.replication.factor", "1"));
        props.putAll(extra);
        return EmbeddedBroker.start(props);
    }

    static void createTopic(EmbeddedBroker broker, String name, int partitions) throws Exception {
        broker.createTopic(name, partitions, Map.of());
    }

    /** Produces {@code n} messages "i" round-robin over {@code partitions} partitions. */
    static void produce(EmbeddedBroker broker, String topic, int partitions, int from, int n) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(broker.producerProps())) {
            for (int i = from; i < from + n; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, Integer.toString(i).getBytes()));
            }
            producer.flush();
        }
    }

    static Properties consumerProps(EmbeddedBroker broker, String group, String protocol) {
        Properties p = broker.consumerProps();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        if (protocol.equals("classic")) {
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "3000");
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "300");
        }
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
        return p;
    }

    static Duration poll() {
        return Duration.ofMillis(100);
    }
}
