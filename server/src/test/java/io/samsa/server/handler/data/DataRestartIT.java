package io.samsa.server.handler.data;

import io.samsa.server.OfficialWire;
import static io.samsa.server.handler.data.DataTestSupport.consumerProps;
import static io.samsa.server.handler.data.DataTestSupport.createTopic;
import static io.samsa.server.handler.data.DataTestSupport.producerProps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Everything written survives a restart, producing continues, and producer ids never repeat. */
@Timeout(90)
class DataRestartIT {

    private static long initProducerId(EmbeddedBroker broker) throws Exception {
        try (OfficialWire w = new OfficialWire(broker.port())) {
            ByteBuffer b = w.send(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000));
            InitProducerIdResponseData r = new InitProducerIdResponseData(new ByteBufferAccessor(b), (short) 4);
            assertEquals(0, r.errorCode());
            assertEquals(0, r.producerEpoch());
            return r.producerId();
        }
    }

    private static void produce(EmbeddedBroker broker, String topic, int from, int to) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps(broker))) {
            for (int i = from; i < to; i++) {
                assertEquals(i, p.send(new ProducerRecord<>(topic, 0, null,
                        ("v" + i).getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS).offset());
            }
        }
    }

    private static List<String> consumeAll(EmbeddedBroker broker, String topic, int expected) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(broker))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seek(tp, 0);
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.offset() + ":" + new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

    @Test
    void dataAndProducerIdsSurviveRestarts() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false"))) {
            createTopic(broker, "durable", 1, Map.of());
            createTopic(broker, "synced", 1, Map.of("flush.messages", "1"));
            Set<Long> ids = new HashSet<>();
            ids.add(initProducerId(broker));
            ids.add(initProducerId(broker));
            produce(broker, "durable", 0, 50);
            produce(broker, "synced", 0, 10);

            broker.restart();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add(i + ":v" + i);
            }
            assertEquals(expected, consumeAll(broker, "durable", 50));
            assertEquals(10, consumeAll(broker, "synced", 10).size());
            assertTrue(ids.add(initProducerId(broker)), "a producer id is never given twice");
            produce(broker, "durable", 50, 80);

            broker.restart();
            assertTrue(ids.add(initProducerId(broker)), "a producer id is never given twice");
            for (int i = 50; i < 80; i++) {
                expected.add(i + ":v" + i);
            }
            assertEquals(expected, consumeAll(broker, "durable", 80));
            produce(broker, "synced", 10, 15);
            assertEquals(15, consumeAll(broker, "synced", 15).size());
        }
    }
}
