package io.samsa.coordinator;

import static io.samsa.coordinator.ConfigProps.intProp;
import static io.samsa.coordinator.ConfigProps.longProp;

import java.util.Map;

/**
 * The transaction coordinator's settings, under Kafka's broker config names and defaults. Immutable.
 *
 * @param numPartitions transaction.state.log.num.partitions
 * @param maxTimeoutMs transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for
 * @param transactionalIdExpirationMs transactional.id.expiration.ms: how long a transactional id without a
 *     transaction in progress is kept after its last update
 * @param abortTimedOutIntervalMs transaction.abort.timed.out.transaction.cleanup.interval.ms: how often
 *     transactions past their timeout are looked for and aborted
 * @param removeExpiredIntervalMs transaction.remove.expired.transaction.cleanup.interval.ms: how often expired
 *     transactional ids are looked for and removed
 * @param offsetsTopicNumPartitions offsets.topic.num.partitions: where AddOffsetsToTxn's group lives
 * @param maxRecordBatchBytes message.max.bytes: the largest batch the coordinator writes (expiry tombstones)
 * @param markerRetryBackoffMs Samsa's own: how long to wait before writing markers again after a retriable error
 */
public record TransactionCoordinatorConfig(int numPartitions, int maxTimeoutMs, long transactionalIdExpirationMs,
                                           long abortTimedOutIntervalMs, long removeExpiredIntervalMs,
                                           int offsetsTopicNumPartitions, int maxRecordBatchBytes,
                                           long markerRetryBackoffMs) {

    public TransactionCoordinatorConfig {
        if (numPartitions < 1) {
            throw new IllegalArgumentException("transaction.state.log.num.partitions must be at least 1: "
                    + numPartitions);
        }
        if (maxTimeoutMs < 1) {
            throw new IllegalArgumentException("transaction.max.timeout.ms must be at least 1: " + maxTimeoutMs);
        }
        if (offsetsTopicNumPartitions < 1) {
            throw new IllegalArgumentException("offsets.topic.num.partitions must be at least 1: "
                    + offsetsTopicNumPartitions);
        }
    }

    /** Kafka's defaults. */
    public static TransactionCoordinatorConfig defaults() {
        return fromMap(Map.of());
    }

    /** Reads the settings from broker properties; absent keys take Kafka's defaults. */
    public static TransactionCoordinatorConfig fromMap(Map<String, String> props) {
        return new TransactionCoordinatorConfig(
                intProp(props, "transaction.state.log.num.partitions", 50),
                intProp(props, "transaction.max.timeout.ms", 900_000),
                longProp(props, "transactional.id.expiration.ms", 604_800_000L),
                longProp(props, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10_000L),
                longProp(props, "transaction.remove.expired.transaction.cleanup.interval.ms", 3_600_000L),
                intProp(props, "offsets.topic.num.partitions", 50),
                intProp(props, "message.max.bytes", 1024 * 1024 + 12),
                longProp(props, "samsa.transaction.marker.retry.backoff.ms", 100L));
    }
}
