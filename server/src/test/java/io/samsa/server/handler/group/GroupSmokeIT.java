package io.samsa.server.handler.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.server.EmbeddedBroker;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/** One consumer of a group reads, commits, and a later consumer of the group resumes after the commit. */
@Timeout(60)
class GroupSmokeIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = GroupTestSupport.startBroker();
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    static Set<String> consume(KafkaConsumer<byte[], byte[]> c, int expected) {
        Set<String> out = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (out.size() < expected && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(GroupTestSupport.poll())) {
                out.add(new String(r.value()));
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void consumeCommitAndResume(String protocol) throws Exception {
        String topic = "smoke-" + protocol;
        GroupTestSupport.createTopic(broker, topic, 3);
        GroupTestSupport.produce(broker, topic, 3, 0, 30);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                GroupTestSupport.consumerProps(broker, "g-" + protocol, protocol))) {
            c.subscribe(List.of(topic));
            assertEquals(30, consume(c, 30).size());
            c.commitSync();
        }
        GroupTestSupport.produce(broker, topic, 3, 30, 9);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                GroupTestSupport.consumerProps(broker, "g-" + protocol, protocol))) {
            c.subscribe(List.of(topic));
            Set<String> got = consume(c, 9);
            assertEquals(9, got.size());
            for (String v : got) {
                assertEquals(true, Integer.parseInt(v) >= 30, "resumed after the commit: " + v);
            }
        }
    }
}
