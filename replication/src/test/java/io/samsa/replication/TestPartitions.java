package io.samsa.replication;

import io.samsa.common.ManualClock;
import io.samsa.common.SerialExecutor;
import io.samsa.log.FileForcer;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Partitions on real logs in a temporary directory, each on the shard the test chooses: node 1 leads them in epoch
 * 7 alone (ISR and replicas [1], min.insync.replicas 1) unless told otherwise. Closes the logs.
 */
final class TestPartitions implements AutoCloseable {
    static final int NODE = 1;

    private final LogManager logs;

    TestPartitions(Path dir) throws IOException {
        this(dir, FileForcer.SYSTEM);
    }

    TestPartitions(Path dir, FileForcer forcer) throws IOException {
        this.logs = LogManager.builder(dir).clock(new ManualClock(1_000)).forcer(forcer).build();
    }

    LogManager logs() {
        return logs;
    }

    Partition create(String topic, int index, SerialExecutor shard) {
        return create(topic, index, shard, LogConfig.DEFAULTS, List.of(NODE), 1);
    }

    Partition create(String topic, int index, SerialExecutor shard, LogConfig config, List<Integer> replicas,
                     int minIsr) {
        return create(topic, index, shard, config, replicas, replicas, minIsr);
    }

    /** Led by {@link #NODE} in epoch 7 with {@code isr} among {@code replicas}. */
    Partition create(String topic, int index, SerialExecutor shard, LogConfig config, List<Integer> isr,
                     List<Integer> replicas, int minIsr) {
        return new Partition(topic, index, UUID.nameUUIDFromBytes(topic.getBytes()), logs.getOrCreate(topic, index,
                config), NODE, new PartitionState(NODE, 7, isr, replicas), minIsr, shard);
    }

    @Override
    public void close() throws IOException {
        logs.close();
    }
}
