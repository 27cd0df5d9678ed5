package io.samsa.server.handler.data;

import io.samsa.server.OfficialWire;
import static io.samsa.server.handler.data.DataTestSupport.createTopic;
import static io.samsa.server.handler.data.DataTestSupport.producerProps;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeProducersResult;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DescribeProducers (KIP-664) with the official Admin client and over the wire. */
@Timeout(60)
class DescribeProducersIT {
    private static final long TS = 1_700_000_000_000L;
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("auto.create.topics.enable", "false"));
        createTopic(broker, "idem", 2, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static void write(int records, long firstTimestamp) throws Exception {
        Properties props = producerProps(broker);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>("idem", 0, firstTimestamp + i, null, new byte[] {(byte) i}))
                        .get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void adminListsTheIdempotentProducersOfEachPartition() throws Exception {
        write(7, TS);
        write(3, TS + 100);
        TopicPartition tp0 = new TopicPartition("idem", 0);
        TopicPartition tp1 = new TopicPartition("idem", 1);
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        try (Admin admin = Admin.create(ap)) {
            DescribeProducersResult r = admin.describeProducers(List.of(tp0, tp1));
            List<ProducerState> producers = new ArrayList<>(r.partitionResult(tp0).get(10, TimeUnit.SECONDS)
                    .activeProducers());
            producers.sort(Comparator.comparingLong(ProducerState::producerId));
            assertEquals(2, producers.size(), producers.toString());
            ProducerState first = producers.get(0);
            ProducerState second = producers.get(1);
            assertNotEquals(first.producerId(), second.producerId());
            assertTrue(first.producerId() >= 0);
            assertEquals(0, first.producerEpoch());
            assertEquals(6, first.lastSequence(), "seven records, sequences 0-6");
            assertEquals(TS + 6, first.lastTimestamp());
            assertEquals(OptionalInt.empty(), first.coordinatorEpoch());
            assertEquals(OptionalLong.empty(), first.currentTransactionStartOffset());
            assertEquals(2, second.lastSequence());
            assertEquals(TS + 102, second.lastTimestamp());
            assertTrue(r.partitionResult(tp1).get(10, TimeUnit.SECONDS).activeProducers().isEmpty());
        }
    }

    @Test
    void unknownTopicsAndPartitionsGetUnknownTopicOrPartition() throws Exception {
        DescribeProducersRequestData req = new DescribeProducersRequestData();
        req.topics().add(new DescribeProducersRequestData.TopicRequest().setName("missing")
                .setPartitionIndexes(List.of(0)));
        req.topics().add(new DescribeProducersRequestData.TopicRequest().setName("idem")
                .setPartitionIndexes(List.of(5, 1)));
        try (OfficialWire w = new OfficialWire(broker.port())) {
            ByteBuffer b = w.send(ApiKeys.DESCRIBE_PRODUCERS, (short) 0, req);
            DescribeProducersResponseData resp = new DescribeProducersResponseData(new ByteBufferAccessor(b),
                    (short) 0);
            assertEquals(2, resp.topics().size());
            DescribeProducersResponseData.TopicResponse missing = resp.topics().get(0);
            assertEquals("missing", missing.name());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), missing.partitions().get(0).errorCode());
            DescribeProducersResponseData.TopicResponse idem = resp.topics().get(1);
            assertEquals(5, idem.partitions().get(0).partitionIndex());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), idem.partitions().get(0).errorCode());
            assertEquals(1, idem.partitions().get(1).partitionIndex());
            assertEquals(Errors.NONE.code(), idem.partitions().get(1).errorCode());
            assertTrue(idem.partitions().get(1).activeProducers().isEmpty());
        }
    }
}
