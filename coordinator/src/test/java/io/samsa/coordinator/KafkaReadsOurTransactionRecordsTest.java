package io.samsa.coordinator;

import static io.samsa.coordinator.TxnHarness.tp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.coordinator.transaction.TransactionLog;
import org.apache.kafka.coordinator.transaction.TransactionMetadata;
import org.junit.jupiter.api.Test;

/**
 * What the coordinator writes to {@code __transaction_state} while serving V1 and V2 producers, an epoch exhaustion,
 * a timeout and an expiry, decoded by Kafka's own {@code TransactionLog.read} (the decoder its coordinator loads with):
 * every record reads, and the last record of every transactional id says what DescribeTransactions answers.
 */
class KafkaReadsOurTransactionRecordsTest {

    @Test
    void kafkaReadsEveryRecordAndAgreesWithTheCoordinator() {
        TxnHarness h = new TxnHarness(Map.of("transactional.id.expiration.ms", "100000"));
        h.init("expired");
        h.clock.advance(60_000);
        // A V1 producer commits, a V2 producer aborts, one at its last epoch moves to a new producer id.
        InitProducerIdResponse v1 = h.init("v1");
        h.add("v1", v1.producerId(), v1.producerEpoch(), tp("orders", 0), tp("orders", 3));
        h.addOffsets("v1", v1.producerId(), v1.producerEpoch(), "group");
        h.end("v1", v1.producerId(), v1.producerEpoch(), true);
        InitProducerIdResponse v2 = h.init("v2");
        h.addFromBroker(5, false, "v2", v2.producerId(), v2.producerEpoch(), tp("orders", 1));
        h.end(5, "v2", v2.producerId(), v2.producerEpoch(), false);
        h.seed("last", 77, (short) (Short.MAX_VALUE - 1), "Ongoing", 2, tp("orders", 2));
        long next = h.end(5, "last", 77, (short) (Short.MAX_VALUE - 1), true).producerId();
        // One left ongoing, one left preparing (its markers unanswered), one expired.
        InitProducerIdResponse open = h.init("open");
        h.add("open", open.producerId(), open.producerEpoch(), tp("payments", 0));
        InitProducerIdResponse preparing = h.init("preparing");
        h.add("preparing", preparing.producerId(), preparing.producerEpoch(), tp("payments", 1));
        h.markers.hold = true;
        h.end("preparing", preparing.producerId(), preparing.producerEpoch(), true);
        h.clock.advance(50_000);
        h.init("open", open.producerId(), open.producerEpoch());
        h.coordinator.expireTransactionalIdsNow();

        Map<String, TransactionLog.ReadResult> last = new LinkedHashMap<>();
        int records = 0;
        for (CoordinatorRecord r : h.partitions.records(0)) {
            TransactionLog.ReadResult read = TransactionLog.read(ByteBuffer.wrap(r.key()),
                    r.value() == null ? null : ByteBuffer.wrap(r.value()));
            String id = read instanceof TransactionLog.TxnRecord t ? t.transactionId()
                    : ((TransactionLog.TxnTombstone) read).transactionId();
            last.put(id, read);
            records++;
        }
        assertTrue(records > 15, "records: " + records);
        assertInstanceOf(TransactionLog.TxnTombstone.class, last.get("expired"));
        for (String id : new String[]{"v1", "v2", "last", "open", "preparing"}) {
            TransactionMetadata m = ((TransactionLog.TxnRecord) last.get(id)).metadata();
            DescribeTransactionsResponse.TransactionState d = h.describe(id);
            assertEquals(d.transactionState(), m.state().stateName(), id);
            assertEquals(d.producerId(), m.producerId(), id);
            assertEquals(d.producerEpoch(), m.producerEpoch(), id);
            assertEquals(d.transactionTimeoutMs(), m.txnTimeoutMs(), id);
            assertEquals(d.transactionStartTimeMs(), m.txnStartTimestamp(), id);
            Set<String> partitions = new TreeSet<>();
            m.topicPartitions().forEach(tp -> partitions.add(tp.topic() + "-" + tp.partition()));
            Set<String> described = new TreeSet<>();
            d.topics().forEach(t -> t.partitions().forEach(p -> described.add(t.topic() + "-" + p)));
            assertEquals(described, partitions, id);
        }
        TransactionMetadata rotated = ((TransactionLog.TxnRecord) last.get("last")).metadata();
        assertEquals(next, rotated.producerId(), "the next producer id");
        assertEquals(77, rotated.prevProducerId(), "the V2 fields Kafka reads: the producer id before");
        assertEquals(2, rotated.clientTransactionVersion().featureLevel());
        assertEquals("PrepareAbort", ((TransactionLog.TxnRecord) last.get("open")).metadata().state().stateName(),
                "a new producer of an id with an ongoing transaction aborts it first");
    }
}
