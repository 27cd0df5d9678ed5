package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One transactional id as its last {@code __transaction_state} record says (set only by {@link TxnReplay}), plus
 * what Kafka keeps in memory only: the epoch the producer held before the last InitProducerId (to recognise a retry
 * of it), and the progress of the markers of a transaction being completed. Event thread only.
 */
final class TxnMetadata {
    static final short NO_EPOCH = -1;
    static final long NO_PRODUCER_ID = -1;

    final String transactionalId;
    long producerId = NO_PRODUCER_ID;
    /** The producer id held before the last record (another one after epoch exhaustion), or -1. */
    long previousProducerId = NO_PRODUCER_ID;
    /** In PrepareCommit/PrepareAbort of a V2 transaction whose epochs ran out: the producer id taken on completion. */
    long nextProducerId = NO_PRODUCER_ID;
    short producerEpoch = NO_EPOCH;
    int timeoutMs;
    TxnState state = TxnState.EMPTY;
    SortedSet<TopicPartition> partitions = Collections.emptySortedSet();
    /** When the transaction began (its first partition), or -1. */
    long startMs = -1;
    long lastUpdateMs;
    /** The transaction protocol of the last transaction: 0 or 1 (V1), 2 (V2). */
    short clientTransactionVersion;

    // ---- in memory only

    /**
     * The epoch before the last epoch bump of an InitProducerId that named this producer (KIP-360), so that a retry
     * of it gets the same answer; -1 after any other write and after a load, as in Kafka.
     */
    short lastProducerEpoch = NO_EPOCH;
    /** While PrepareCommit/PrepareAbort: the partitions whose marker is not written yet, and how sending goes. */
    MarkerProgress markers;

    TxnMetadata(String transactionalId) {
        this.transactionalId = transactionalId;
    }

    /** A transition from the current state: a copy to change and write. */
    Transition to(TxnState next) {
        return new Transition(this, next);
    }

    /**
     * The partitions of a transaction being completed that have no marker yet (DescribeTransactions), else the
     * transaction's partitions.
     */
    SortedSet<TopicPartition> partitionsWithoutMarkers() {
        return markers != null ? Collections.unmodifiableSortedSet(markers.pending) : partitions;
    }

    /**
     * A state to write: starts as a copy of the current one (the previous producer id being the current one) and
     * is changed by the operation before {@link TxnRecords} turns it into a record.
     */
    static final class Transition {
        final TxnState state;
        long producerId;
        long previousProducerId;
        long nextProducerId = NO_PRODUCER_ID;
        short producerEpoch;
        int timeoutMs;
        SortedSet<TopicPartition> partitions;
        long startMs;
        long lastUpdateMs;
        short clientTransactionVersion;

        Transition(TxnMetadata m, TxnState state) {
            this.state = state;
            this.producerId = m.producerId;
            this.previousProducerId = m.producerId;
            this.producerEpoch = m.producerEpoch;
            this.timeoutMs = m.timeoutMs;
            this.partitions = new TreeSet<>(m.partitions);
            this.startMs = m.startMs;
            this.lastUpdateMs = m.lastUpdateMs;
            this.clientTransactionVersion = m.clientTransactionVersion;
        }
    }

    /** The in-memory progress of a transaction's markers. */
    static final class MarkerProgress {
        /** Partitions whose marker is not written yet. */
        final TreeSet<TopicPartition> pending;
        /** Partitions whose marker was sent and not answered yet. */
        final TreeSet<TopicPartition> inFlight = new TreeSet<>();
        /** Partitions answered with a retriable error in the current round. */
        final TreeSet<TopicPartition> retry = new TreeSet<>();
        /** A partition refused the markers for good (a newer coordinator, a fatal error): nothing more is sent. */
        boolean stopped;
        /** Rounds sent, for logs and to tell a stale answer. */
        int round;

        MarkerProgress(SortedSet<TopicPartition> partitions) {
            this.pending = new TreeSet<>(partitions);
        }
    }
}
