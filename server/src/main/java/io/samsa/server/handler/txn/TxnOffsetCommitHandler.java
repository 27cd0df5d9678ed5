package io.samsa.server.handler.txn;

import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.TopicPartition;
import io.samsa.server.coordinator.TransactionVerifier;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.group.CoordinatorCallHandler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * TxnOffsetCommit (key 28), v0-6: offsets committed in a producer's transaction (a consume-transform-produce loop,
 * Kafka Streams EOS). The group's {@code __consumer_offsets} partition must be in the transaction first (KIP-890): v5+
 * (the V2 protocol) adds it through the transaction coordinator, v0-4 verify that AddOffsetsToTxn added it
 * ({@link TransactionVerifier}; {@code transaction.partition.verification.enable=false} skips the check for v0-4); a
 * refusal answers every partition with the error, in the forms the producer retries (COORDINATOR_NOT_AVAILABLE: it
 * finds the coordinator again; COORDINATOR_LOAD_IN_PROGRESS, for CONCURRENT_TRANSACTIONS too: it asks again). Then
 * the group coordinator writes the offsets as the producer's transactional batch
 * ({@link GroupCoordinator#txnCommitOffsets}), pending until the transaction's marker. Called on the connection's
 * event loop; answered from the coordinators' threads. Thread-safe.
 */
final class TxnOffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator groups;
    private final TransactionVerifier verifier;
    private final boolean verifyV1;

    TxnOffsetCommitHandler(GroupCoordinator groups, TransactionVerifier verifier, boolean verifyV1) {
        this.groups = groups;
        this.verifier = verifier;
        this.verifyV1 = verifyV1;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        TxnOffsetCommitRequest req = (TxnOffsetCommitRequest) request;
        short v = ctx.apiVersion();
        if (req.transactionalId() == null || req.transactionalId().isEmpty() || req.groupId() == null) {
            sink.send(GroupCoordinator.txnCommitError(req, ErrorCode.INVALID_REQUEST));
            return;
        }
        if (v < 5 && !verifyV1) {
            CoordinatorCallHandler.call(ctx, sink, () -> groups.txnCommitOffsets(CoordinatorCallHandler.meta(ctx),
                    req), () -> GroupCoordinator.txnCommitError(req, ErrorCode.UNKNOWN_SERVER_ERROR));
            return;
        }
        TopicPartition offsets = new TopicPartition(GroupCoordinator.TOPIC, groups.partitionFor(req.groupId()));
        CoordinatorCallHandler.call(ctx, sink, () -> verifier.verify(req.transactionalId(), req.producerId(),
                req.producerEpoch(), List.of(offsets), v >= 5, ctx.executor()).thenCompose(errors -> {
                    ErrorCode e = errors.getOrDefault(offsets, ErrorCode.NONE);
                    if (e != ErrorCode.NONE) {
                        return CompletableFuture.completedFuture(GroupCoordinator.txnCommitError(req, mapped(e, v)));
                    }
                    return groups.txnCommitOffsets(CoordinatorCallHandler.meta(ctx), req);
                }), () -> GroupCoordinator.txnCommitError(req, ErrorCode.UNKNOWN_SERVER_ERROR));
    }

    /**
     * A refused verification as a TxnOffsetCommit answer, in the errors the producer retries (others fail its
     * transaction); TRANSACTION_ABORTABLE (v4+, KIP-890) is INVALID_TXN_STATE for older producers.
     */
    private static ErrorCode mapped(ErrorCode e, short version) {
        return switch (e) {
            case NETWORK_EXCEPTION, NOT_COORDINATOR, REQUEST_TIMED_OUT, BROKER_NOT_AVAILABLE,
                 NOT_ENOUGH_REPLICAS -> ErrorCode.COORDINATOR_NOT_AVAILABLE;
            case CONCURRENT_TRANSACTIONS -> ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
            case TRANSACTION_ABORTABLE -> version >= 4 ? e : ErrorCode.INVALID_TXN_STATE;
            default -> e;
        };
    }
}
