package io.samsa.server.handler.data;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.server.EmbeddedBroker;
import io.samsa.wire.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Shared set-up of the data-path ITs: topics through the controller, client properties with short timeouts. */
final class DataTestSupport {
    private DataTestSupport() {
    }

    static void createTopic(EmbeddedBroker broker, String name, int partitions, Map<String, String> configs)
            throws Exception {
        List<CreateTopicResult> r = broker.broker().services().controller()
                .createTopics(List.of(new CreateTopicRequest(name, partitions, 1, Map.of(), configs)), false)
                .get(10, TimeUnit.SECONDS);
        if (r.get(0).error() != ErrorCode.NONE) {
            throw new AssertionError("Cannot create " + name + ": " + r.get(0));
        }
    }

    static Properties producerProps(EmbeddedBroker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "8000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "8000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    static Properties consumerProps(EmbeddedBroker broker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }
}
