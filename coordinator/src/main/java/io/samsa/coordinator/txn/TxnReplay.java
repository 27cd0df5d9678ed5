package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.txn.record.TransactionLogKey;
import io.samsa.coordinator.txn.record.TransactionLogValue;
import io.samsa.coordinator.txn.record.TransactionRecordType;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Applies one {@code __transaction_state} record to a {@link TxnShard}: the only code that changes what a
 * transactional id durably is, whether the record was just written or is being loaded. A record makes the id what it
 * says, whatever it was (compaction may have removed the records in between); a tombstone forgets it. The in-memory
 * state of the id follows: the previous epoch is forgotten (as a Kafka load forgets it), and a transaction entering
 * PrepareCommit or PrepareAbort starts with every marker to write. Event thread only; deterministic.
 */
final class TxnReplay {
    private final Map<String, TxnMetadata> txns;

    TxnReplay(Map<String, TxnMetadata> txns) {
        this.txns = txns;
    }

    /** @throws IllegalStateException for a record no coordinator writes */
    void replay(TypedRecord r) {
        if (TransactionRecordType.fromId(r.type()) != TransactionRecordType.TRANSACTION_LOG) {
            throw new IllegalStateException("The transaction coordinator has no replay for record type " + r.type());
        }
        String id = ((TransactionLogKey) r.key()).transactionalId();
        TransactionLogValue v = (TransactionLogValue) r.value();
        if (v == null) {
            txns.remove(id);
            return;
        }
        TxnState state = TxnState.fromId(v.transactionStatus());
        if (state == null || state == TxnState.DEAD || state == TxnState.PREPARE_EPOCH_FENCE) {
            throw new IllegalStateException("Transactional id " + id + " cannot be stored in state "
                    + (state == null ? String.valueOf(v.transactionStatus()) : state.displayName()));
        }
        TxnMetadata m = txns.computeIfAbsent(id, TxnMetadata::new);
        m.producerId = v.producerId();
        m.previousProducerId = v.previousProducerId();
        m.nextProducerId = v.nextProducerId();
        m.producerEpoch = v.producerEpoch();
        m.timeoutMs = v.transactionTimeoutMs();
        m.state = state;
        m.partitions = state == TxnState.EMPTY ? Collections.emptySortedSet() : partitions(v);
        m.startMs = v.transactionStartTimestampMs();
        m.lastUpdateMs = v.transactionLastUpdateTimestampMs();
        m.clientTransactionVersion = v.clientTransactionVersion();
        m.lastProducerEpoch = TxnMetadata.NO_EPOCH;
        m.markers = state.isPreparing() ? new TxnMetadata.MarkerProgress(m.partitions) : null;
    }

    private static SortedSet<TopicPartition> partitions(TransactionLogValue v) {
        TreeSet<TopicPartition> out = new TreeSet<>();
        if (v.transactionPartitions() != null) {
            for (TransactionLogValue.PartitionsSchema t : v.transactionPartitions()) {
                for (int p : t.partitionIds()) {
                    out.add(new TopicPartition(t.topic(), p));
                }
            }
        }
        return Collections.unmodifiableSortedSet(out);
    }
}
