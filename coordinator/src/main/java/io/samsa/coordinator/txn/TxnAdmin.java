package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.ListTransactionsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the coordinator does for operators and on its own clock: DescribeTransactions and ListTransactions (KIP-664;
 * duration filter, KIP-994; transactional id pattern, KIP-1152), the proactive abort of transactions past their
 * transaction.timeout.ms, and the removal of transactional ids idle for transactional.id.expiration.ms. Event thread
 * only.
 */
final class TxnAdmin {
    private static final Logger log = LoggerFactory.getLogger(TxnAdmin.class);
    /** The v2 batch header, which the expiry tombstones share. */
    private static final int BATCH_HEADER_BYTES = 61;

    private final TxnShard shard;

    TxnAdmin(TxnShard shard) {
        this.shard = shard;
    }

    DescribeTransactionsResponse.TransactionState describe(String id) {
        DescribeTransactionsResponse.TransactionState out = new DescribeTransactionsResponse.TransactionState()
                .setTransactionalId(id).setTransactionState("");
        TxnMetadata m = shard.txns.get(id);
        if (m == null) {
            return out.setErrorCode(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        out.setTransactionState(m.state.displayName()).setTransactionTimeoutMs(m.timeoutMs)
                .setTransactionStartTimeMs(m.startMs).setProducerId(m.producerId).setProducerEpoch(m.producerEpoch);
        DescribeTransactionsResponse.TopicData topic = null;
        for (TopicPartition tp : m.partitionsWithoutMarkers()) {
            if (topic == null || !topic.topic().equals(tp.topic())) {
                topic = new DescribeTransactionsResponse.TopicData().setTopic(tp.topic());
                out.topics().add(topic);
            }
            topic.partitions().add(tp.partition());
        }
        return out;
    }

    /**
     * The transactional ids that pass every filter: a state among {@code states} (when {@code filterStates}; an
     * unknown name matches nothing), a producer id among {@code producerIds} (when not empty), running longer than
     * {@code durationMs} (when not negative: now - start time), an id matching {@code pattern} (when not null).
     */
    List<ListTransactionsResponse.TransactionState> list(Set<TxnState> states, boolean filterStates,
                                                        Set<Long> producerIds, long durationMs, Pattern pattern,
                                                        long now) {
        List<ListTransactionsResponse.TransactionState> out = new ArrayList<>();
        for (TxnMetadata m : shard.txns.values()) {
            if (filterStates && !states.contains(m.state)
                    || !producerIds.isEmpty() && !producerIds.contains(m.producerId)
                    || durationMs >= 0 && now - m.startMs <= durationMs
                    || pattern != null && !pattern.matcher(m.transactionalId).matches()) {
                continue;
            }
            out.add(new ListTransactionsResponse.TransactionState().setTransactionalId(m.transactionalId)
                    .setProducerId(m.producerId).setTransactionState(m.state.displayName()));
        }
        return out;
    }

    /**
     * Aborts every ongoing transaction past its timeout, each in its own event (its own batch, as Kafka writes one
     * per transaction), fencing its producer.
     */
    void abortTimedOut(WriteContext ctx) {
        long now = ctx.now();
        for (TxnMetadata m : shard.txns.values()) {
            if (timedOut(m, now)) {
                String id = m.transactionalId;
                long producerId = m.producerId;
                short epoch = m.producerEpoch;
                ctx.whenComplete(CompletableFuture.completedFuture(null), "AbortTimedOut", (c, v, error) -> {
                    TxnMetadata current = shard.txns.get(id);
                    if (current != null && current.producerId == producerId && current.producerEpoch == epoch
                            && timedOut(current, c.now())) {
                        shard.protocol.fenceAndAbort(c, current, "its timeout of " + current.timeoutMs + " ms");
                    }
                });
            }
        }
    }

    private static boolean timedOut(TxnMetadata m, long now) {
        return m.state == TxnState.ONGOING && m.startMs + m.timeoutMs < now;
    }

    /**
     * Removes (tombstones) the transactional ids without a transaction in progress whose last update is
     * transactional.id.expiration.ms old, as many as fit in one batch; the rest wait for the next run, as in Kafka.
     */
    int expireTransactionalIds(WriteContext ctx) {
        long cutoff = ctx.now() - shard.config.transactionalIdExpirationMs();
        long budget = shard.config.maxRecordBatchBytes() - BATCH_HEADER_BYTES;
        List<String> expired = new ArrayList<>();
        for (TxnMetadata m : shard.txns.values()) {
            if (m.state.isIdle() && m.lastUpdateMs <= cutoff) {
                TypedRecord tombstone = TxnRecords.tombstone(m.transactionalId);
                budget -= tombstone.sizeInBatch();
                if (budget < 0) {
                    break;
                }
                expired.add(m.transactionalId);
            }
        }
        for (String id : expired) {
            ctx.append(TxnRecords.tombstone(id));
        }
        if (!expired.isEmpty()) {
            log.info("{}Removed {} transactional ids idle for {} ms", shard.prefix(), expired.size(),
                    shard.config.transactionalIdExpirationMs());
        }
        return expired.size();
    }
}
