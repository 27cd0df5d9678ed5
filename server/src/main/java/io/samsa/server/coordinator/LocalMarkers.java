package io.samsa.server.coordinator;

import io.samsa.common.SerialExecutor;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.TopicPartition;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.MarkerAppend;
import io.samsa.replication.Partition;
import io.samsa.replication.ReplicaManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one transaction's markers to the partitions this broker leads: what the WriteTxnMarkers handler does for a
 * request from a transaction coordinator, and what this broker's own transaction coordinator does for its local
 * partitions without a request. A {@code __consumer_offsets} partition's marker goes through the group coordinator
 * ({@link GroupCoordinator#completeTransaction}), which writes it and applies the producer's pending offsets in one
 * step; every other partition gets the control batch appended on its shard with acks=all (replication's
 * {@link DelayedProduce}, {@link MarkerAppend}), which checks the coordinator epoch and the producer epoch and moves
 * the last stable offset and the aborted-transaction index. Thread-safe; never blocks.
 */
public final class LocalMarkers {
    private static final Logger log = LoggerFactory.getLogger(LocalMarkers.class);

    private final ReplicaManager replicas;
    private final Supplier<MetadataImage> image;
    private final GroupCoordinator groups;
    private final long timeoutMs;

    /** {@code timeoutMs}: how long a marker waits for the high watermark (request.timeout.ms). */
    public LocalMarkers(ReplicaManager replicas, Supplier<MetadataImage> image, GroupCoordinator groups,
                        long timeoutMs) {
        this.replicas = replicas;
        this.image = image;
        this.groups = groups;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Writes the commit ({@code commit}) or abort marker of producer {@code producerId} at {@code producerEpoch} to
     * each of {@code partitions}, from the transaction coordinator of epoch {@code coordinatorEpoch}, for a transaction
     * of protocol {@code transactionVersion}. Completes (never exceptionally, on any thread) with each partition's
     * error: NONE once its marker is committed; NOT_LEADER_OR_FOLLOWER or UNKNOWN_TOPIC_OR_PARTITION for a partition
     * not led here; the append's error otherwise (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED,
     * NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, ...). {@code home}: where the appends gather and complete (a
     * connection's event loop), or null for the first partition's shard.
     */
    public CompletableFuture<Map<TopicPartition, ErrorCode>> write(long producerId, short producerEpoch,
                                                                   boolean commit, int coordinatorEpoch,
                                                                   short transactionVersion,
                                                                   Collection<TopicPartition> partitions,
                                                                   SerialExecutor home) {
        Map<TopicPartition, ErrorCode> results = new TreeMap<>();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        Markers op = null;
        for (TopicPartition tp : partitions) {
            if (GroupCoordinator.TOPIC.equals(tp.topic())) {
                pending.add(groups.completeTransaction(tp.partition(), producerId, producerEpoch, coordinatorEpoch,
                        commit).thenAccept(e -> put(results, tp, fromGroupCoordinator(e))));
                continue;
            }
            Partition p = replicas.partition(tp.topic(), tp.partition());
            if (p == null) {
                put(results, tp, notHosted(tp));
                continue;
            }
            if (op == null) {
                op = new Markers(home != null ? home : replicas.shards().shardOf(p), partitions.size());
            }
            op.add(new Marker(tp, p, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion));
        }
        if (op != null) {
            Markers started = op;
            pending.add(started.done.thenAccept(r -> r.forEach((tp, e) -> put(results, tp, e))));
            started.start();
        }
        return CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).handle((v, t) -> {
            if (t != null) {
                log.error("Writing the markers of producer {} failed", producerId, t);
            }
            synchronized (results) {
                for (TopicPartition tp : partitions) {
                    results.putIfAbsent(tp, ErrorCode.UNKNOWN_SERVER_ERROR);
                }
                return new TreeMap<>(results);
            }
        });
    }

    private static void put(Map<TopicPartition, ErrorCode> results, TopicPartition tp, ErrorCode e) {
        synchronized (results) {
            results.put(tp, e);
        }
    }

    /**
     * The group coordinator's errors the transaction coordinator does not expect from a partition: its partition is
     * not ready here, as NOT_LEADER_OR_FOLLOWER (retried), as Kafka answers.
     */
    private static ErrorCode fromGroupCoordinator(ErrorCode e) {
        return switch (e) {
            case COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR ->
                    ErrorCode.NOT_LEADER_OR_FOLLOWER;
            default -> e;
        };
    }

    private ErrorCode notHosted(TopicPartition tp) {
        TopicImage t = image.get().topic(tp.topic());
        return t != null && t.partition(tp.partition()) != null ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    }

    /** One partition's marker, remembering which partition it answers for. */
    private static final class Marker extends MarkerAppend {
        final TopicPartition tp;

        Marker(TopicPartition tp, Partition p, long producerId, short producerEpoch, boolean commit,
               int coordinatorEpoch, short transactionVersion) {
            super(p, producerId, producerEpoch, commit, coordinatorEpoch, transactionVersion);
            this.tp = tp;
        }
    }

    /** One producer's markers on this broker's partitions: acks=all, answered per partition. */
    private final class Markers extends DelayedProduce<Marker> {
        final CompletableFuture<Map<TopicPartition, ErrorCode>> done = new CompletableFuture<>();

        Markers(SerialExecutor home, int partitions) {
            super(home, replicas.shards(), -1, timeoutMs, partitions);
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            Map<TopicPartition, ErrorCode> out = new TreeMap<>();
            for (Marker m : appends()) {
                Throwable t = m.error();
                ErrorCode e = t == null ? ErrorCode.NONE : t instanceof SamsaException s ? s.errorCode()
                        : ErrorCode.UNKNOWN_SERVER_ERROR;
                if (t != null && !(t instanceof SamsaException)) {
                    log.error("Writing a transaction marker to {} failed", m.tp, t);
                }
                out.put(m.tp, e);
            }
            done.complete(out);
        }
    }
}
