package io.samsa.server.handler.data;

import io.samsa.server.EmbeddedBroker;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Shared set-up of the data-path ITs: topics through the controller, client properties with short timeouts. */
final class DataTestSupport {
    private DataTestSupport() {
    }

    static void createTopic(EmbeddedBroker broker, String name, int partitions, Map<String, String> configs)
            throws Exception {
        broker.createTopic(name, partitions, configs);
    }

    static Properties producerProps(EmbeddedBroker broker) {
        Properties p = broker.producerProps();
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    static Properties consumerProps(EmbeddedBroker broker) {
        return broker.consumerProps();
    }
}
