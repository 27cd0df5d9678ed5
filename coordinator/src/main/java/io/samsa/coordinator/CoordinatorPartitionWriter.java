package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a coordinator writes to its partition (implemented by the server on the broker's partitions, by
 * in-memory fakes in tests): "append these records to partition P and tell me when they are committed".
 *
 * <p>Called on the coordinator thread; must not block it. Appends to one partition are applied and
 * completed in call order, whichever of the three methods makes them.
 */
public interface CoordinatorPartitionWriter {

    /**
     * Appends {@code records} (at least one) to partition {@code partition} of the coordinator's topic as
     * one batch. The future completes with the log end offset after the batch once the batch is committed
     * (replicated to the ISR), or exceptionally with a {@link io.samsa.wire.SamsaException} carrying the
     * reason (e.g. NOT_LEADER_OR_FOLLOWER when this broker no longer leads the partition). It may complete
     * on any thread.
     */
    CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records);

    /**
     * Appends {@code records} as one transactional batch of producer {@code producerId} at {@code producerEpoch}
     * (the group coordinator's TxnOffsetCommit): the partition validates the producer's epoch as for any
     * transactional produce (INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, ...) and the records stay pending until the
     * producer's commit or abort marker. Completes as {@link #append}. Not implemented by default: a server that
     * serves TxnOffsetCommit must implement it.
     */
    default CompletableFuture<Long> appendTransactional(int partition, long producerId, short producerEpoch,
                                                        List<CoordinatorRecord> records) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                "This writer does not write transactional batches"));
    }

    /**
     * Appends the control batch of a commit ({@code commit}) or abort marker of producer {@code producerId} at
     * {@code producerEpoch}, written by the transaction coordinator of epoch {@code coordinatorEpoch} (the partition
     * refuses an older coordinator's marker with TRANSACTION_COORDINATOR_FENCED). Completes as {@link #append}. Not
     * implemented by default: a server that writes markers to the coordinator's partitions must implement it.
     */
    default CompletableFuture<Long> appendEndTransaction(int partition, long producerId, short producerEpoch,
                                                         int coordinatorEpoch, boolean commit) {
        return CompletableFuture.failedFuture(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                "This writer does not write transaction markers"));
    }
}
