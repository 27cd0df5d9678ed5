package io.samsa.coordinator.txn;

import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId with a transactional id, as Kafka's coordinator answers it. A new id gets a new producer id at epoch
 * 0. An idle one gets its epoch bumped, which fences the previous producer (its requests now fail with
 * PRODUCER_FENCED or INVALID_PRODUCER_EPOCH), or a new producer id once the epochs are exhausted. One with a
 * transaction in progress has it aborted under a bumped epoch and answers CONCURRENT_TRANSACTIONS, so that the
 * producer retries once the abort is complete. KIP-360: a producer that names its current producer id and epoch is
 * recognised (and a retry of a call whose answer it lost gets the same answer); one whose epoch is stale is fenced.
 * Event thread only.
 */
final class ProducerIdProtocol {
    private static final Logger log = LoggerFactory.getLogger(ProducerIdProtocol.class);

    private final TxnShard shard;

    ProducerIdProtocol(TxnShard shard) {
        this.shard = shard;
    }

    CompletableFuture<TxnShard.Result> init(WriteContext ctx, TxnShard.InitArgs a) {
        CompletableFuture<TxnShard.Result> out = new CompletableFuture<>();
        init(ctx, a, TxnMetadata.NO_PRODUCER_ID, out);
        return out;
    }

    /** {@code newId}: a producer id obtained for this request, or -1 (one is asked for when needed). */
    private void init(WriteContext ctx, TxnShard.InitArgs a, long newId, CompletableFuture<TxnShard.Result> out) {
        TxnMetadata m = shard.txns.get(a.transactionalId());
        if (m == null) {
            if (newId < 0) {
                shard.withProducerId(ctx, "InitProducerId", out, TxnShard.Result::error,
                        (c, id) -> init(c, a, id, out));
                return;
            }
            create(ctx, a, newId, out);
            return;
        }
        if (a.hasExpected() && !recognises(m, a)) {
            log.debug("{}Fencing a producer of {} that names producer {} epoch {}: the id holds producer {} epoch {}",
                    shard.prefix(), a.transactionalId(), a.expectedProducerId(), a.expectedEpoch(), m.producerId,
                    m.producerEpoch);
            answer(ctx, out, ErrorCode.PRODUCER_FENCED);
            return;
        }
        switch (m.state) {
            case PREPARE_COMMIT, PREPARE_ABORT -> answer(ctx, out, ErrorCode.CONCURRENT_TRANSACTIONS);
            case ONGOING -> {
                // Abort it under a bumped epoch (never returned): the producer retries, and gets its own bump
                // (or a new producer id, if this one exhausted the epochs) once the abort is complete.
                shard.protocol.fenceAndAbort(ctx, m, "a new InitProducerId");
                answer(ctx, out, ErrorCode.CONCURRENT_TRANSACTIONS);
            }
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> bump(ctx, m, a, newId, out);
            default -> throw new IllegalStateException("Transactional id " + m.transactionalId + " is in state "
                    + m.state.displayName());
        }
    }

    private void create(WriteContext ctx, TxnShard.InitArgs a, long producerId,
                        CompletableFuture<TxnShard.Result> out) {
        TxnMetadata.Transition t = new TxnMetadata(a.transactionalId()).to(TxnState.EMPTY);
        t.producerId = producerId;
        t.previousProducerId = producerId;
        t.producerEpoch = 0;
        t.timeoutMs = a.timeoutMs();
        t.lastUpdateMs = ctx.now();
        shard.write(ctx, a.transactionalId(), t);
        log.debug("{}New transactional id {}: producer {} epoch 0", shard.prefix(), a.transactionalId(), producerId);
        ctx.completeAfterCommit(out, new TxnShard.Result(ErrorCode.NONE, producerId, (short) 0));
    }

    /**
     * Kafka's rule: a named producer is this id's if the id has no epoch yet, if it names the id's producer id (its
     * epoch is checked next), or if it names the previous producer id at an exhausted epoch (a retry of the call that
     * rotated the producer id).
     */
    private static boolean recognises(TxnMetadata m, TxnShard.InitArgs a) {
        return m.producerEpoch == TxnMetadata.NO_EPOCH || a.expectedProducerId() == m.producerId
                || a.expectedProducerId() == m.previousProducerId && exhausted(a.expectedEpoch());
    }

    private void bump(WriteContext ctx, TxnMetadata m, TxnShard.InitArgs a, long newId,
                      CompletableFuture<TxnShard.Result> out) {
        boolean bump;
        short last;
        if (!a.hasExpected()) {
            bump = true;
            last = TxnMetadata.NO_EPOCH;
        } else if (m.producerEpoch == TxnMetadata.NO_EPOCH || a.expectedEpoch() == m.producerEpoch) {
            bump = true;
            last = m.producerEpoch;
        } else if (m.lastProducerEpoch != TxnMetadata.NO_EPOCH && a.expectedEpoch() == m.lastProducerEpoch) {
            // A retry of a call that succeeded: the same answer, no second bump.
            bump = false;
            last = m.lastProducerEpoch;
        } else {
            log.debug("{}Fencing a producer of {} at epoch {}: the id is at epoch {} (previously {})", shard.prefix(),
                    m.transactionalId, a.expectedEpoch(), m.producerEpoch, m.lastProducerEpoch);
            answer(ctx, out, ErrorCode.PRODUCER_FENCED);
            return;
        }
        TxnMetadata.Transition t = m.to(TxnState.EMPTY);
        if (bump && exhausted(m.producerEpoch)) {
            if (newId < 0) {
                shard.withProducerId(ctx, "InitProducerId", out, TxnShard.Result::error,
                        (c, id) -> init(c, a, id, out));
                return;
            }
            t.producerId = newId;
            t.producerEpoch = 0;
            log.info("{}Producer {} of {} exhausted its epochs: the id now holds producer {}", shard.prefix(),
                    m.producerId, m.transactionalId, newId);
        } else if (bump) {
            t.producerEpoch = (short) (m.producerEpoch + 1);
        }
        t.timeoutMs = a.timeoutMs();
        t.partitions = Collections.emptySortedSet();
        t.startMs = -1;
        t.lastUpdateMs = ctx.now();
        shard.write(ctx, m.transactionalId, t);
        m.lastProducerEpoch = last;
        ctx.completeAfterCommit(out, new TxnShard.Result(ErrorCode.NONE, t.producerId, t.producerEpoch));
    }

    private static void answer(WriteContext ctx, CompletableFuture<TxnShard.Result> out, ErrorCode error) {
        ctx.completeAfterCommit(out, TxnShard.Result.error(error));
    }

    /**
     * Whether a producer at {@code epoch} can get no further epoch of its own: Short.MAX_VALUE is kept for fencing a
     * producer at MAX_VALUE - 1, so from MAX_VALUE - 1 on the next epoch is a new producer id's 0.
     */
    static boolean exhausted(short epoch) {
        return epoch >= Short.MAX_VALUE - 1;
    }
}
