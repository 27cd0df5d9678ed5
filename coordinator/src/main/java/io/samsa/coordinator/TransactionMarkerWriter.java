package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How the transaction coordinator ends a transaction in its partitions: "write these commit/abort markers for
 * producer P at epoch E to these partitions and tell me when each is written". The server implements it with
 * WriteTxnMarkers to each partition's leader, this broker or another (a marker for a {@code __consumer_offsets}
 * partition goes through {@link GroupCoordinator#completeTransaction}); tests with a fake.
 *
 * <p>Called on the coordinator's thread; must not block it.
 */
public interface TransactionMarkerWriter {

    /**
     * The markers of one transaction.
     *
     * @param coordinatorEpoch the leader epoch of the coordinator's {@code __transaction_state} partition, so that a
     *     partition refuses markers of a coordinator that has been replaced (TRANSACTION_COORDINATOR_FENCED)
     * @param transactionVersion the transaction's protocol: 0 or 1 (V1), 2 (V2, KIP-890); WriteTxnMarkers v2 carries it
     */
    record Markers(long producerId, short producerEpoch, boolean commit, int coordinatorEpoch,
                   short transactionVersion, List<TopicPartition> partitions) {
        public Markers {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * Writes a commit or abort marker to every partition of {@code markers}. Returns one future per partition, in
     * the order of {@code markers.partitions()}, which completes (on any thread) once that partition's marker is
     * written and replicated, with {@link ErrorCode#NONE}, or with the partition's error: the coordinator retries
     * retriable ones (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT,
     * a failed connection, ...) after a backoff and stops on INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED
     * (a newer coordinator owns the transaction). A partition whose topic no longer exists completes with NONE:
     * there is nothing left to mark, as Kafka drops it. Every future must complete; a request that gets no answer
     * completes with REQUEST_TIMED_OUT.
     */
    List<CompletableFuture<ErrorCode>> writeMarkers(Markers markers);
}
