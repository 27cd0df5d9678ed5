package io.samsa.coordinator.txn;

import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transaction's life between InitProducerId and its markers, as Kafka's coordinator answers each request in each
 * state: AddPartitionsToTxn (the client's v0-3 and AddOffsetsToTxn; a broker's v4+ on behalf of a V2 producer, KIP-890
 * part 2, and its verify-only check, KIP-890 part 1), EndTxn in both protocols (V1: the producer keeps its epoch; V2,
 * EndTxn v5+: every EndTxn bumps it, and a retry is told from the next request by that bump), and the fencing abort
 * that InitProducerId and the timeout start. A commit or abort is PrepareCommit/PrepareAbort written, answered once
 * committed, then the markers ({@link MarkerChannel}). Event thread only.
 */
final class TxnProtocol {
    private static final Logger log = LoggerFactory.getLogger(TxnProtocol.class);
    /** The transaction protocol that bumps the epoch at every EndTxn (KIP-890 part 2). */
    static final short TV2 = 2;

    private final TxnShard shard;

    TxnProtocol(TxnShard shard) {
        this.shard = shard;
    }

    // ---- AddPartitionsToTxn, AddOffsetsToTxn

    ErrorCode addPartitions(WriteContext ctx, String id, long producerId, short producerEpoch,
                            Set<TopicPartition> partitions, short clientTransactionVersion) {
        TxnMetadata m = shard.txns.get(id);
        if (m != null && waitsForCompletion(m, producerId, producerEpoch)) {
            return ErrorCode.CONCURRENT_TRANSACTIONS;
        }
        if (m == null || m.producerId != producerId) {
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch != producerEpoch) {
            return ErrorCode.PRODUCER_FENCED;
        }
        if (m.state.isPreparing()) {
            return ErrorCode.CONCURRENT_TRANSACTIONS;
        }
        if (m.state == TxnState.ONGOING && m.partitions.containsAll(partitions)) {
            return ErrorCode.NONE;
        }
        TxnMetadata.Transition t = m.to(TxnState.ONGOING);
        t.partitions.addAll(partitions);
        if (m.state != TxnState.ONGOING) {
            t.startMs = ctx.now();
        }
        t.lastUpdateMs = ctx.now();
        t.clientTransactionVersion = clientTransactionVersion;
        shard.write(ctx, id, t);
        return ErrorCode.NONE;
    }

    /**
     * KIP-890 part 1: whether each partition is in the producer's transaction, for a partition leader about to append
     * a transactional batch. Not in it: TRANSACTION_ABORTABLE (the producer aborts). Reads only.
     */
    Map<TopicPartition, ErrorCode> verifyPartitions(String id, long producerId, short producerEpoch,
                                                    Set<TopicPartition> partitions) {
        TxnMetadata m = shard.txns.get(id);
        ErrorCode all = m != null && waitsForCompletion(m, producerId, producerEpoch) ? ErrorCode.CONCURRENT_TRANSACTIONS
                : m == null || m.producerId != producerId ? ErrorCode.INVALID_PRODUCER_ID_MAPPING
                : m.producerEpoch != producerEpoch ? ErrorCode.PRODUCER_FENCED
                : m.state.isPreparing() ? ErrorCode.CONCURRENT_TRANSACTIONS : null;
        Map<TopicPartition, ErrorCode> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            out.put(tp, all != null ? all : m.partitions.contains(tp) ? ErrorCode.NONE
                    : ErrorCode.TRANSACTION_ABORTABLE);
        }
        return out;
    }

    /**
     * V2: whether a request comes from the producer's next transaction while this one is still being completed: the
     * producer already has the id and epoch the V2 EndTxn answered (the next producer id at epoch 0 when the epochs
     * ran out). It waits (CONCURRENT_TRANSACTIONS, which clients retry); it is no zombie.
     */
    private static boolean waitsForCompletion(TxnMetadata m, long producerId, short producerEpoch) {
        return m.state.isPreparing() && (m.nextProducerId >= 0 ? m.nextProducerId == producerId && producerEpoch == 0
                : m.producerId == producerId && m.producerEpoch == producerEpoch
                        && m.clientTransactionVersion >= TV2);
    }

    // ---- EndTxn

    CompletableFuture<TxnShard.Result> endTxn(WriteContext ctx, String id, long producerId, short producerEpoch,
                                              boolean commit, short clientTransactionVersion) {
        CompletableFuture<TxnShard.Result> out = new CompletableFuture<>();
        if (clientTransactionVersion >= TV2) {
            endTxnV2(ctx, id, producerId, producerEpoch, commit, TxnMetadata.NO_PRODUCER_ID, out);
        } else {
            ctx.completeAfterCommit(out, endTxnV1(ctx, id, producerId, producerEpoch, commit));
        }
        return out;
    }

    /** V1: the producer keeps its epoch across transactions; any other epoch is fenced. */
    private TxnShard.Result endTxnV1(WriteContext ctx, String id, long producerId, short producerEpoch,
                                     boolean commit) {
        TxnMetadata m = shard.txns.get(id);
        if (m == null || m.producerId != producerId) {
            return TxnShard.Result.error(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
        }
        if (m.producerEpoch != producerEpoch) {
            return TxnShard.Result.error(ErrorCode.PRODUCER_FENCED);
        }
        ErrorCode error = switch (m.state) {
            case ONGOING -> {
                TxnMetadata.Transition t = m.to(commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT);
                t.lastUpdateMs = ctx.now();
                t.clientTransactionVersion = 0;
                prepare(ctx, m, t);
                yield ErrorCode.NONE;
            }
            case COMPLETE_COMMIT -> commit ? ErrorCode.NONE : invalid(m, commit);
            case COMPLETE_ABORT -> commit ? invalid(m, commit) : ErrorCode.NONE;
            case PREPARE_COMMIT -> commit ? ErrorCode.CONCURRENT_TRANSACTIONS : invalid(m, commit);
            case PREPARE_ABORT -> commit ? invalid(m, commit) : ErrorCode.CONCURRENT_TRANSACTIONS;
            default -> invalid(m, commit);
        };
        return TxnShard.Result.error(error);
    }

    /**
     * V2 (KIP-890 part 2): every EndTxn bumps the epoch (to a new producer id when the epochs run out), so a retry is
     * recognised by the epoch one below the id's, or by the previous producer id at the last epoch; a retry of a
     * completed EndTxn is answered with the producer id and epoch it got. An abort needs no partition (Empty and
     * completed transactions may be aborted, which fences the epoch).
     */
    private void endTxnV2(WriteContext ctx, String id, long producerId, short producerEpoch, boolean commit,
                          long newId, CompletableFuture<TxnShard.Result> out) {
        TxnMetadata m = shard.txns.get(id);
        if (m == null) {
            ctx.completeAfterCommit(out, TxnShard.Result.error(ErrorCode.INVALID_PRODUCER_ID_MAPPING));
            return;
        }
        if (waitsForCompletion(m, producerId, producerEpoch)) {
            ctx.completeAfterCommit(out, TxnShard.Result.error(ErrorCode.CONCURRENT_TRANSACTIONS));
            return;
        }
        boolean retryOnOverflow = m.previousProducerId == producerId && producerEpoch == Short.MAX_VALUE - 1
                && m.producerEpoch == 0;
        boolean retryOnBump = m.producerEpoch == producerEpoch + 1;
        boolean validEpoch = switch (m.state) {
            case PREPARE_COMMIT, PREPARE_ABORT -> retryOnBump;
            case COMPLETE_COMMIT, COMPLETE_ABORT -> retryOnBump || retryOnOverflow || producerEpoch == m.producerEpoch;
            default -> producerEpoch == m.producerEpoch;
        };
        ErrorCode error;
        if (m.producerId != producerId && !retryOnOverflow) {
            error = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
        } else if (!validEpoch) {
            error = ErrorCode.PRODUCER_FENCED;
        } else {
            boolean retry = retryOnBump || retryOnOverflow;
            TxnState end = null;
            switch (m.state) {
                case ONGOING -> {
                    end = commit ? TxnState.PREPARE_COMMIT : TxnState.PREPARE_ABORT;
                    error = ErrorCode.NONE;
                }
                case COMPLETE_COMMIT -> {
                    if (commit) {
                        error = retry ? ErrorCode.NONE : invalid(m, true);
                    } else if (retry) {
                        error = invalid(m, false);
                    } else {
                        end = TxnState.PREPARE_ABORT;
                        error = ErrorCode.NONE;
                    }
                }
                case COMPLETE_ABORT -> {
                    if (commit) {
                        error = invalid(m, true);
                    } else {
                        end = retry ? null : TxnState.PREPARE_ABORT;
                        error = ErrorCode.NONE;
                    }
                }
                case EMPTY -> {
                    if (commit) {
                        error = invalid(m, true);
                    } else {
                        end = TxnState.PREPARE_ABORT;
                        error = ErrorCode.NONE;
                    }
                }
                case PREPARE_COMMIT -> error = commit ? ErrorCode.CONCURRENT_TRANSACTIONS : invalid(m, false);
                case PREPARE_ABORT -> error = commit ? invalid(m, true) : ErrorCode.CONCURRENT_TRANSACTIONS;
                default -> throw new IllegalStateException("Transactional id " + id + " is in state "
                        + m.state.displayName());
            }
            if (end != null) {
                if (ProducerIdProtocol.exhausted(m.producerEpoch) && newId < 0) {
                    shard.withProducerId(ctx, "EndTxn", out, TxnShard.Result::error,
                            (c, pid) -> endTxnV2(c, id, producerId, producerEpoch, commit, pid, out));
                    return;
                }
                TxnMetadata.Transition t = m.to(end);
                t.producerEpoch = bumped(m.producerEpoch);
                t.nextProducerId = ProducerIdProtocol.exhausted(m.producerEpoch) ? newId : TxnMetadata.NO_PRODUCER_ID;
                if (m.state != TxnState.ONGOING) {
                    // An abort without partitions: it starts now.
                    t.startMs = ctx.now();
                }
                t.lastUpdateMs = ctx.now();
                t.clientTransactionVersion = TV2;
                prepare(ctx, m, t);
                // The producer continues as the transaction will leave it: bumped, or the new producer id at 0.
                ctx.completeAfterCommit(out, t.nextProducerId >= 0
                        ? new TxnShard.Result(ErrorCode.NONE, t.nextProducerId, (short) 0)
                        : new TxnShard.Result(ErrorCode.NONE, t.producerId, t.producerEpoch));
                return;
            }
            if (error == ErrorCode.NONE) {
                ctx.completeAfterCommit(out, new TxnShard.Result(ErrorCode.NONE, m.producerId, m.producerEpoch));
                return;
            }
        }
        ctx.completeAfterCommit(out, TxnShard.Result.error(error));
    }

    private ErrorCode invalid(TxnMetadata m, boolean commit) {
        log.debug("{}Transactional id {} is in state {}: cannot {}", shard.prefix(), m.transactionalId,
                m.state.displayName(), commit ? "commit" : "abort");
        return ErrorCode.INVALID_TXN_STATE;
    }

    // ---- fencing abort (InitProducerId on an ongoing transaction, transaction timeout)

    /**
     * Aborts {@code m}'s ongoing transaction under a bumped epoch that its producer never gets, so that the producer's
     * further requests are fenced and the markers reject its late writes. Under the finalized V2 protocol the abort
     * bumps once more, as any V2 EndTxn does (Kafka's PrepareEpochFence then PrepareAbort); never past
     * Short.MAX_VALUE. Also when the transaction itself is V2 (Kafka looks at the finalized version only): a single
     * bump would let the fenced V2 producer's EndTxn pass for a retry (its epoch one below) and hand it the new epoch.
     */
    void fenceAndAbort(WriteContext ctx, TxnMetadata m, String why) {
        short tv = (short) Math.max(shard.serverTransactionVersion(), m.clientTransactionVersion);
        short fenced = bumped(m.producerEpoch);
        TxnMetadata.Transition t = m.to(TxnState.PREPARE_ABORT);
        t.producerEpoch = tv >= TV2 ? bumped(fenced) : fenced;
        t.lastUpdateMs = ctx.now();
        t.clientTransactionVersion = tv;
        log.info("{}Aborting the transaction of {} (producer {} epoch {}) for {}; fencing epoch {}", shard.prefix(),
                m.transactionalId, m.producerId, m.producerEpoch, why, t.producerEpoch);
        prepare(ctx, m, t);
    }

    /** Writes PrepareCommit/PrepareAbort; once it is committed, the markers go out. */
    private void prepare(WriteContext ctx, TxnMetadata m, TxnMetadata.Transition t) {
        String id = m.transactionalId;
        shard.write(ctx, id, t);
        ctx.afterCommit("TxnMarkers", c -> shard.markers.send(c, id));
    }

    private static short bumped(short epoch) {
        return (short) Math.min(Short.MAX_VALUE, epoch + 1);
    }
}
