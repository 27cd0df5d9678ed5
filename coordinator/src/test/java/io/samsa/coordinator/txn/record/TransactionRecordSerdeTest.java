package io.samsa.coordinator.txn.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.coordinator.runtime.RecordSerde;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.wire.DecodeException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.coordinator.transaction.TransactionCoordinatorRecordSerde;
import org.apache.kafka.coordinator.transaction.TransactionLog;
import org.apache.kafka.coordinator.transaction.TransactionMetadata;
import org.apache.kafka.coordinator.transaction.TransactionState;
import org.junit.jupiter.api.Test;

/**
 * {@code __transaction_state} records at both value versions, full and sparse: Kafka's own serde
 * ({@code TransactionCoordinatorRecordSerde} of kafka-transaction-coordinator, as its tools use it) reads what we
 * write as the same type and version and writes it back byte for byte; Kafka's {@code TransactionLog.read}, the
 * decoder its coordinator loads with, finds the state, producer, partitions and KIP-890 fields we wrote; and we
 * read our bytes back into the same record.
 */
class TransactionRecordSerdeTest {
    private final TransactionRecordSerde serde = new TransactionRecordSerde();
    private final TransactionCoordinatorRecordSerde kafka = new TransactionCoordinatorRecordSerde();

    private static TransactionLogValue.PartitionsSchema topic(String name, Integer... partitions) {
        return new TransactionLogValue.PartitionsSchema().setTopic(name).setPartitionIds(new ArrayList<>(List.of(
                partitions)));
    }

    /** A V2 transaction preparing to commit across two topics, its epoch exhausted: every field set. */
    private static TransactionLogValue full() {
        return new TransactionLogValue().setProducerId(4_000_000_001L).setPreviousProducerId(4_000_000_001L)
                .setNextProducerId(4_000_000_777L).setProducerEpoch(Short.MAX_VALUE)
                .setTransactionTimeoutMs(60_000).setTransactionStatus((byte) 2)
                .setTransactionPartitions(new ArrayList<>(List.of(topic("orders-é", 0, 3, 7), topic("__consumer_offsets",
                        12))))
                .setTransactionLastUpdateTimestampMs(1_700_000_000_123L)
                .setTransactionStartTimestampMs(1_700_000_000_001L).setClientTransactionVersion((short) 2);
    }

    /** A transactional id just initialised: no partitions (null), no transaction started, tagged fields at default. */
    private static TransactionLogValue empty() {
        return new TransactionLogValue().setProducerId(7).setProducerEpoch((short) 0).setTransactionTimeoutMs(1)
                .setTransactionStatus((byte) 0).setTransactionPartitions(null)
                .setTransactionLastUpdateTimestampMs(5).setTransactionStartTimestampMs(-1);
    }

    @Test
    void kafkaReadsBothVersionsAsWrittenAndBack() {
        TransactionLogKey key = new TransactionLogKey().setTransactionalId("app-1-0_7");
        int checked = 0;
        for (TransactionLogValue value : List.of(full(), empty())) {
            for (short v = 0; v <= 1; v++) {
                TransactionLogValue written = v == 0 ? withoutTaggedFields(value) : value;
                String what = "v" + v + " " + written;
                CoordinatorRecord bytes = serde.serialize(new TypedRecord(key, written, v));
                assertEquals(0, bytes.key()[0] | bytes.key()[1], "record type 0");

                org.apache.kafka.coordinator.common.runtime.CoordinatorRecord theirs =
                        kafka.deserialize(ByteBuffer.wrap(bytes.key()), ByteBuffer.wrap(bytes.value()));
                assertEquals(0, theirs.key().apiKey(), what);
                assertEquals(v, theirs.value().version(), what);
                assertEquals("org.apache.kafka.coordinator.transaction.generated.TransactionLogValue",
                        theirs.value().message().getClass().getName(), what);
                assertArrayEquals(bytes.key(), kafka.serializeKey(theirs), what);
                assertArrayEquals(bytes.value(), kafka.serializeValue(theirs), what);

                TransactionMetadata m = ((TransactionLog.TxnRecord) TransactionLog.read(ByteBuffer.wrap(bytes.key()),
                        ByteBuffer.wrap(bytes.value()))).metadata();
                assertEquals("app-1-0_7", m.transactionalId(), what);
                assertEquals(written.producerId(), m.producerId(), what);
                assertEquals(written.producerEpoch(), m.producerEpoch(), what);
                assertEquals(written.previousProducerId(), m.prevProducerId(), what);
                assertEquals(written.transactionTimeoutMs(), m.txnTimeoutMs(), what);
                assertEquals(TransactionState.fromId(written.transactionStatus()), m.state(), what);
                assertEquals(partitions(written), m.topicPartitions(), what);
                assertEquals(written.transactionStartTimestampMs(), m.txnStartTimestamp(), what);
                assertEquals(written.transactionLastUpdateTimestampMs(), m.txnLastUpdateTimestamp(), what);
                assertEquals(written.clientTransactionVersion(), m.clientTransactionVersion().featureLevel(), what);

                TypedRecord back = serde.deserialize(bytes.key(), bytes.value());
                assertEquals(key, back.key(), what);
                assertEquals(v, back.valueVersion(), what);
                assertEquals(written, back.value(), what);
                checked++;
            }
        }
        assertEquals(4, checked);
    }

    @Test
    void version0CannotCarryTheV2FieldsAndSaysSo() {
        // The builder leaves them at their defaults for version 0; a record that sets them is refused, not truncated.
        assertThrows(RuntimeException.class, () -> serde.serialize(new TypedRecord(
                new TransactionLogKey().setTransactionalId("t"), full(), (short) 0)));
    }

    @Test
    void tombstonesHaveAKeyAndNoValue() {
        TransactionLogKey key = new TransactionLogKey().setTransactionalId("expired");
        CoordinatorRecord bytes = serde.serialize(TypedRecord.tombstone(key));
        assertNull(bytes.value());
        assertInstanceOf(TransactionLog.TxnTombstone.class, TransactionLog.read(ByteBuffer.wrap(bytes.key()), null));
        assertArrayEquals(bytes.key(), TransactionLog.keyToBytes("expired"), "the key Kafka writes for that id");
        TypedRecord back = serde.deserialize(bytes.key(), null);
        assertEquals(key, back.key());
        assertNull(back.value());
    }

    @Test
    void unknownTypesAndVersionsAndTruncatedBytesAreTypedErrors() {
        assertThrows(RecordSerde.UnknownTypeException.class, () -> serde.deserialize(new byte[]{0, 1, 0, 1, 't'}, null));
        byte[] key = serde.serialize(TypedRecord.tombstone(new TransactionLogKey().setTransactionalId("t"))).key();
        assertThrows(DecodeException.class, () -> serde.deserialize(key, new byte[]{0, 2, 0}));
        assertThrows(DecodeException.class, () -> serde.deserialize(key, new byte[]{0}));
        assertThrows(DecodeException.class, () -> serde.deserialize(new byte[]{0}, null));
        assertThrows(DecodeException.class, () -> serde.deserialize(new byte[]{0, 0, 0, 9, 't'}, null));
    }

    private static TransactionLogValue withoutTaggedFields(TransactionLogValue v) {
        return new TransactionLogValue().setProducerId(v.producerId()).setProducerEpoch(v.producerEpoch())
                .setTransactionTimeoutMs(v.transactionTimeoutMs()).setTransactionStatus(v.transactionStatus())
                .setTransactionPartitions(v.transactionPartitions())
                .setTransactionLastUpdateTimestampMs(v.transactionLastUpdateTimestampMs())
                .setTransactionStartTimestampMs(v.transactionStartTimestampMs());
    }

    private static Set<TopicPartition> partitions(TransactionLogValue v) {
        Set<TopicPartition> out = new java.util.HashSet<>();
        if (v.transactionStatus() != 0 && v.transactionPartitions() != null) {
            for (TransactionLogValue.PartitionsSchema t : v.transactionPartitions()) {
                for (int p : t.partitionIds()) {
                    out.add(new TopicPartition(t.topic(), p));
                }
            }
        }
        return out;
    }
}
