package io.samsa.coordinator;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a coordinator writes to its partition (implemented by the server on the broker's partitions, by
 * in-memory fakes in tests): "append these records to partition P and tell me when they are committed".
 *
 * <p>Called on the coordinator thread; must not block it. Appends to one partition are applied and
 * completed in call order.
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
}
