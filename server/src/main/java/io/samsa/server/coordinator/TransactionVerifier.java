package io.samsa.server.coordinator;

import io.samsa.common.Clock;
import io.samsa.common.Scheduler;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.TopicPartition;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.BrokerResponse;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The broker's questions to a transactional id's coordinator before it writes a producer's first batch of a
 * transaction to a partition (KIP-890): "is this partition in the transaction?" (part 1, verify-only: Produce up to
 * v11, TxnOffsetCommit up to v4) or "add it" (part 2: Produce v12+ and TxnOffsetCommit v5+, the V2 protocol). Sends
 * AddPartitionsToTxn v5 (the broker's batched form) to the leader of the id's {@code __transaction_state} partition:
 * this broker's own coordinator directly, another broker through replication's {@link BrokerChannel}.
 *
 * <p>The answer is each partition's error as the coordinator gives it, with Kafka's translations for a producer:
 * PRODUCER_FENCED is INVALID_PRODUCER_EPOCH, a top-level or transport failure applies to every partition
 * (CLUSTER_AUTHORIZATION_FAILED as INVALID_TXN_STATE), and COORDINATOR_NOT_AVAILABLE when the id's coordinator has
 * no leader. Callers map retriable ones further (the Produce handler's NOT_ENOUGH_REPLICAS). An add answered with
 * CONCURRENT_TRANSACTIONS (the producer's previous transaction is still being completed, common right after a V2
 * commit) is asked again after {@code add.partitions.to.txn.retry.backoff.ms}, for up to {@code
 * add.partitions.to.txn.retry.backoff.max.ms}, as Kafka's broker does: retrying a whole produce request would cost
 * the producer more. Thread-safe; never blocks; futures complete on any thread.
 */
public final class TransactionVerifier {
    static final short ADD_PARTITIONS_VERSION = 5;

    private final int nodeId;
    private final Supplier<MetadataImage> image;
    private final TransactionCoordinator coordinator;
    private final BrokerChannel channel;
    private final Clock clock;
    private final long retryBackoffMs;
    private final long retryMaxMs;

    public TransactionVerifier(int nodeId, Supplier<MetadataImage> image, TransactionCoordinator coordinator,
                               BrokerChannel channel, Clock clock, long retryBackoffMs, long retryMaxMs) {
        this.nodeId = nodeId;
        this.image = image;
        this.coordinator = coordinator;
        this.channel = channel;
        this.clock = clock;
        this.retryBackoffMs = retryBackoffMs;
        this.retryMaxMs = retryMaxMs;
    }

    /**
     * As {@link #verify(String, long, short, Collection, boolean)}; an add whose partitions get
     * CONCURRENT_TRANSACTIONS asks again for those on {@code retries} (the request's executor) within the retry limit.
     */
    public CompletableFuture<Map<TopicPartition, ErrorCode>> verify(String transactionalId, long producerId,
                                                                   short producerEpoch,
                                                                   Collection<TopicPartition> partitions,
                                                                   boolean add, Scheduler retries) {
        CompletableFuture<Map<TopicPartition, ErrorCode>> done = new CompletableFuture<>();
        Map<TopicPartition, ErrorCode> results = new TreeMap<>();
        attempt(transactionalId, producerId, producerEpoch, partitions, add, retries, clock.milliseconds(), results,
                done);
        return done;
    }

    private void attempt(String id, long pid, short epoch, Collection<TopicPartition> partitions, boolean add,
                         Scheduler retries, long startedMs, Map<TopicPartition, ErrorCode> results,
                         CompletableFuture<Map<TopicPartition, ErrorCode>> done) {
        verify(id, pid, epoch, partitions, add).whenComplete((r, t) -> {
            List<TopicPartition> again = new ArrayList<>();
            synchronized (results) {
                r.forEach((tp, e) -> {
                    if (e == ErrorCode.CONCURRENT_TRANSACTIONS && add) {
                        again.add(tp);
                    }
                    results.put(tp, e);
                });
            }
            if (again.isEmpty() || clock.milliseconds() - startedMs + retryBackoffMs > retryMaxMs) {
                synchronized (results) {
                    done.complete(new TreeMap<>(results));
                }
                return;
            }
            retries.schedule(() -> attempt(id, pid, epoch, again, add, retries, startedMs, results, done),
                    retryBackoffMs);
        });
    }

    /**
     * Verifies ({@code add} false) or adds ({@code add} true) {@code partitions} in transactional id
     * {@code transactionalId}'s transaction of producer {@code producerId} at {@code producerEpoch}. Completes with
     * every partition's error (NONE when it is in the transaction), never exceptionally.
     */
    public CompletableFuture<Map<TopicPartition, ErrorCode>> verify(String transactionalId, long producerId,
                                                                   short producerEpoch,
                                                                   Collection<TopicPartition> partitions,
                                                                   boolean add) {
        AddPartitionsToTxnRequest req = new AddPartitionsToTxnRequest().setTransactions(List.of(
                new AddPartitionsToTxnRequest.AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                        .setProducerId(producerId).setProducerEpoch(producerEpoch).setVerifyOnly(!add)
                        .setTopics(topics(partitions))));
        int leader = coordinatorNode(transactionalId);
        if (leader < 0) {
            return CompletableFuture.completedFuture(uniform(partitions, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        }
        if (leader == nodeId) {
            return coordinator.addPartitionsToTxn(RequestMeta.of(ADD_PARTITIONS_VERSION), req)
                    .handle((resp, t) -> t != null ? uniform(partitions, ErrorCode.UNKNOWN_SERVER_ERROR)
                            : results(resp, partitions));
        }
        CompletableFuture<BrokerResponse> sent;
        try {
            sent = channel.send(leader, req, ADD_PARTITIONS_VERSION);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((resp, t) -> {
            if (t != null) {
                return uniform(partitions, failure(t));
            }
            try (resp) {
                return results(resp.body(AddPartitionsToTxnResponse.class), partitions);
            }
        });
    }

    /** The broker leading the id's {@code __transaction_state} partition, or -1 when there is none. */
    private int coordinatorNode(String transactionalId) {
        TopicImage t = image.get().topic(TransactionCoordinator.TOPIC);
        PartitionRegistration p = t == null ? null : t.partition(coordinator.partitionFor(transactionalId));
        return p == null ? -1 : p.leader();
    }

    private static Map<TopicPartition, ErrorCode> results(AddPartitionsToTxnResponse resp,
                                                          Collection<TopicPartition> partitions) {
        if (resp.errorCode() != 0) {
            ErrorCode e = ErrorCode.forCode(resp.errorCode());
            // The client must not see CLUSTER_AUTHORIZATION_FAILED: the verification did not complete.
            return uniform(partitions, e == ErrorCode.CLUSTER_AUTHORIZATION_FAILED ? ErrorCode.INVALID_TXN_STATE : e);
        }
        Map<TopicPartition, ErrorCode> out = new TreeMap<>();
        for (AddPartitionsToTxnResponse.AddPartitionsToTxnResult r : resp.resultsByTransaction()) {
            for (AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult tr : r.topicResults()) {
                for (AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult pr : tr.resultsByPartition()) {
                    ErrorCode e = ErrorCode.forCode(pr.partitionErrorCode());
                    out.put(new TopicPartition(tr.name(), pr.partitionIndex()),
                            e == ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : e);
                }
            }
        }
        for (TopicPartition tp : partitions) {
            // A partition the answer leaves out was not verified.
            out.putIfAbsent(tp, ErrorCode.INVALID_TXN_STATE);
        }
        return out;
    }

    private static List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics(
            Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), x -> new ArrayList<>()).add(tp.partition());
        }
        List<AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> out = new ArrayList<>();
        byTopic.forEach((topic, indexes) -> out.add(new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
                .setName(topic).setPartitions(indexes)));
        return out;
    }

    private static Map<TopicPartition, ErrorCode> uniform(Collection<TopicPartition> partitions, ErrorCode e) {
        Map<TopicPartition, ErrorCode> out = new TreeMap<>();
        partitions.forEach(tp -> out.put(tp, e));
        return out;
    }

    private static ErrorCode failure(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && !(c instanceof SamsaException)) {
            c = c.getCause();
        }
        return c instanceof SamsaException s ? s.errorCode() : ErrorCode.NETWORK_EXCEPTION;
    }
}
