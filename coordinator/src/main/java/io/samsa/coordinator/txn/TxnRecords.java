package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.txn.record.TransactionLogKey;
import io.samsa.coordinator.txn.record.TransactionLogValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the transaction coordinator's records (schemas in {@code coordinator/src/main/schemas/transaction}): the whole
 * state of a transactional id after a transition, keyed by the id, or its tombstone. Value version 1 (flexible, with
 * the KIP-890 tagged fields) when the finalized transaction.version is at least 1, else version 0 without them, as
 * Kafka writes. {@link TxnReplay} applies them. Stateless.
 */
final class TxnRecords {
    private TxnRecords() {
    }

    /** The value version Kafka writes at finalized transaction.version {@code transactionVersion}. */
    static short valueVersion(int transactionVersion) {
        return (short) (transactionVersion >= 1 ? 1 : 0);
    }

    static TypedRecord state(String transactionalId, TxnMetadata.Transition t, short version) {
        TransactionLogValue value = new TransactionLogValue().setProducerId(t.producerId)
                .setProducerEpoch(t.producerEpoch).setTransactionTimeoutMs(t.timeoutMs)
                .setTransactionStatus(t.state.id())
                .setTransactionPartitions(t.state == TxnState.EMPTY ? null : byTopic(t))
                .setTransactionLastUpdateTimestampMs(t.lastUpdateMs).setTransactionStartTimestampMs(t.startMs);
        if (version >= 1) {
            value.setPreviousProducerId(t.previousProducerId).setNextProducerId(t.nextProducerId)
                    .setClientTransactionVersion(t.clientTransactionVersion);
        }
        return new TypedRecord(key(transactionalId), value, version);
    }

    static TypedRecord tombstone(String transactionalId) {
        return TypedRecord.tombstone(key(transactionalId));
    }

    private static TransactionLogKey key(String transactionalId) {
        return new TransactionLogKey().setTransactionalId(transactionalId);
    }

    private static List<TransactionLogValue.PartitionsSchema> byTopic(TxnMetadata.Transition t) {
        Map<String, List<Integer>> topics = new TreeMap<>();
        for (TopicPartition tp : t.partitions) {
            topics.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(tp.partition());
        }
        List<TransactionLogValue.PartitionsSchema> out = new ArrayList<>(topics.size());
        topics.forEach((topic, ids) -> out.add(new TransactionLogValue.PartitionsSchema().setTopic(topic)
                .setPartitionIds(ids)));
        return out;
    }
}
