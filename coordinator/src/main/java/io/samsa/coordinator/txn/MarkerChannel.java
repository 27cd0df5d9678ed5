package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionMarkerWriter;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a transaction in its partitions. Once PrepareCommit/PrepareAbort is committed (or found by a load: a
 * coordinator that took over resumes), every partition gets the marker through the {@link TransactionMarkerWriter};
 * partitions that answer with a retriable error are sent again after a backoff; when every marker is written the
 * transaction completes (CompleteCommit/CompleteAbort written; a V2 transaction whose epochs ran out moves to its next
 * producer id). A partition that answers that the producer or the coordinator is stale stops the sending: a newer
 * coordinator owns the transaction now (Kafka's answer to the same errors). The progress is in memory, as in Kafka: a
 * reload sends every marker again, which partitions accept. Event thread only.
 */
final class MarkerChannel {
    private static final Logger log = LoggerFactory.getLogger(MarkerChannel.class);

    /** What a partition's answer means for its marker. */
    private enum Outcome { WRITTEN, RETRY, FENCED, FATAL }

    private final TxnShard shard;
    private final TransactionMarkerWriter writer;

    MarkerChannel(TxnShard shard, TransactionMarkerWriter writer) {
        this.shard = shard;
        this.writer = writer;
    }

    static String retryTimer(String transactionalId) {
        return "markers:" + transactionalId;
    }

    /** Sends the markers of {@code id}'s transaction that are not written yet, unless a round is in flight. */
    void send(WriteContext ctx, String id) {
        TxnMetadata m = shard.txns.get(id);
        if (m == null || !m.state.isPreparing() || m.markers == null) {
            return;
        }
        TxnMetadata.MarkerProgress p = m.markers;
        if (p.stopped || !p.inFlight.isEmpty()) {
            return;
        }
        if (p.pending.isEmpty()) {
            complete(ctx, m);
            return;
        }
        p.round++;
        p.retry.clear();
        List<TopicPartition> partitions = new ArrayList<>(p.pending);
        p.inFlight.addAll(partitions);
        TransactionMarkerWriter.Markers markers = new TransactionMarkerWriter.Markers(m.producerId, m.producerEpoch,
                m.state == TxnState.PREPARE_COMMIT, ctx.coordinatorEpoch(), m.clientTransactionVersion, partitions);
        List<CompletableFuture<ErrorCode>> results;
        try {
            results = writer.writeMarkers(markers);
        } catch (RuntimeException e) {
            log.error("{}Writing the markers of {} failed", shard.prefix(), id, e);
            results = Collections.nCopies(partitions.size(), CompletableFuture.failedFuture(e));
        }
        if (results.size() != partitions.size()) {
            throw new IllegalStateException("The marker writer answered " + results.size() + " futures for "
                    + partitions.size() + " partitions");
        }
        log.debug("{}Writing {} markers of {} (producer {} epoch {}) to {}, round {}", shard.prefix(),
                markers.commit() ? "commit" : "abort", id, m.producerId, m.producerEpoch, partitions, p.round);
        long producerId = m.producerId;
        short epoch = m.producerEpoch;
        int round = p.round;
        for (int i = 0; i < partitions.size(); i++) {
            TopicPartition tp = partitions.get(i);
            ctx.whenComplete(results.get(i), "TxnMarker", (c, code, error) -> onAnswer(c, id, producerId, epoch,
                    round, tp, error == null ? code : codeOf(error)));
        }
    }

    private void onAnswer(WriteContext ctx, String id, long producerId, short epoch, int round, TopicPartition tp,
                          ErrorCode code) {
        TxnMetadata m = shard.txns.get(id);
        if (m == null || m.markers == null || m.producerId != producerId || m.producerEpoch != epoch
                || m.markers.round != round || !m.markers.inFlight.remove(tp)) {
            return;
        }
        TxnMetadata.MarkerProgress p = m.markers;
        switch (outcome(code)) {
            case WRITTEN -> p.pending.remove(tp);
            case RETRY -> p.retry.add(tp);
            case FENCED -> {
                p.stopped = true;
                log.warn("{}Stopped writing the markers of {} (producer {} epoch {}): {} answered {}; a newer "
                        + "coordinator owns the transaction", shard.prefix(), id, producerId, epoch, tp, code);
            }
            case FATAL -> {
                p.stopped = true;
                log.error("{}Stopped writing the markers of {} (producer {} epoch {}): {} answered {}", shard.prefix(),
                        id, producerId, epoch, tp, code);
            }
        }
        if (!p.inFlight.isEmpty()) {
            return;
        }
        if (p.pending.isEmpty()) {
            complete(ctx, m);
        } else if (!p.stopped) {
            if (p.round == 1) {
                log.info("{}Retrying the markers of {} (producer {} epoch {}) for {} after {} ms", shard.prefix(), id,
                        producerId, epoch, p.retry, shard.config.markerRetryBackoffMs());
            }
            ctx.schedule(retryTimer(id), shard.config.markerRetryBackoffMs(), c -> send(c, id));
        }
    }

    /** Every marker is written: CompleteCommit/CompleteAbort (V2 at exhausted epochs: the next producer id, at 0). */
    private void complete(WriteContext ctx, TxnMetadata m) {
        boolean commit = m.state == TxnState.PREPARE_COMMIT;
        TxnMetadata.Transition t = m.to(commit ? TxnState.COMPLETE_COMMIT : TxnState.COMPLETE_ABORT);
        if (m.clientTransactionVersion >= TxnProtocol.TV2 && m.nextProducerId >= 0) {
            t.producerId = m.nextProducerId;
            t.producerEpoch = 0;
        }
        t.nextProducerId = TxnMetadata.NO_PRODUCER_ID;
        t.partitions = Collections.emptySortedSet();
        t.lastUpdateMs = ctx.now();
        shard.write(ctx, m.transactionalId, t);
        log.debug("{}Completed the {} of {} (producer {} epoch {})", shard.prefix(), commit ? "commit" : "abort",
                m.transactionalId, m.producerId, m.producerEpoch);
    }

    private static Outcome outcome(ErrorCode code) {
        return switch (code) {
            // A partition that no longer takes markers for this producer's format: nothing to mark (Kafka).
            case NONE, UNSUPPORTED_FOR_MESSAGE_FORMAT -> Outcome.WRITTEN;
            case INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED -> Outcome.FENCED;
            case CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_REQUIRED_ACKS -> Outcome.FATAL;
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS,
                 NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR -> Outcome.RETRY;
            default -> code.isRetriable() ? Outcome.RETRY : Outcome.FATAL;
        };
    }

    /** A failed future: its error when it carries one; a lost connection or the like is retried. */
    private static ErrorCode codeOf(Throwable error) {
        return error instanceof SamsaException s ? s.errorCode() : ErrorCode.NETWORK_EXCEPTION;
    }
}
