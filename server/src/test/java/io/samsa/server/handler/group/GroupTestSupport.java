package io.samsa.server.handler.group;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.server.EmbeddedBroker;
import io.samsa.wire.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

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
        List<CreateTopicResult> r = broker.broker().services().controller()
                .createTopics(List.of(new CreateTopicRequest(name, partitions, 1, Map.of(), Map.of())), false)
                .get(10, TimeUnit.SECONDS);
        if (r.get(0).error() != ErrorCode.NONE) {
            throw new AssertionError("Cannot create " + name + ": " + r.get(0));
        }
    }

    /** Produces {@code n} messages "i" round-robin over {@code partitions} partitions. */
    static void produce(EmbeddedBroker broker, String topic, int partitions, int from, int n) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "8000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = from; i < from + n; i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, Integer.toString(i).getBytes()));
            }
            producer.flush();
        }
    }

    static Properties consumerProps(EmbeddedBroker broker, String group, String protocol) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
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
