package io.samsa.replication;

import io.samsa.common.Clock;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * One life of a simulated broker: every thread of its partition hosting as a {@link SimExecutor} on the run's
 * {@link SimScheduler} (the shards, which are also the connection loops as Netty's workers are; the replica
 * manager's hosting executor; the log's flusher, its timer and its deleter), its {@link LogManager} on the node's
 * {@link SimDisk} and its {@link ReplicaManager}. Nothing here starts a thread or reads the wall clock. A crash (of
 * the disk, or of the process) {@link #kill}s every executor; the next life is a new {@code SimBroker} on the same
 * disk. Not thread-safe: the simulation's thread.
 */
final class SimBroker {
    final int nodeId;
    final int life;
    final List<SimExecutor> shards = new ArrayList<>();
    final SimExecutor hosting;
    final SimExecutor flusher;
    final SimExecutor flusherTimer;
    final SimExecutor deleter;
    private final List<SimExecutor> all = new ArrayList<>();
    LogManager logs;
    ReplicaManager replicas;
    private boolean dead;

    SimBroker(SimScheduler scheduler, int nodeId, int life, int shardCount) {
        this.nodeId = nodeId;
        this.life = life;
        String n = nodeId + "." + life;
        for (int i = 0; i < shardCount; i++) {
            shards.add(executor(scheduler, "shard-" + n + "-" + i));
        }
        hosting = executor(scheduler, "hosting-" + n);
        flusher = executor(scheduler, "flusher-" + n);
        flusherTimer = executor(scheduler, "flusher-timer-" + n);
        deleter = executor(scheduler, "deleter-" + n);
    }

    private SimExecutor executor(SimScheduler scheduler, String name) {
        SimExecutor e = scheduler.executor(name);
        all.add(e);
        return e;
    }

    /**
     * Opens the data directory (recovering it after a crash) and starts the replica manager with retention. On the
     * test's thread, as a broker's start-up; a crash of the disk throws {@link io.samsa.testkit.SimulatedCrash}.
     *
     * @param configs the config of each topic found on disk (the metadata's)
     */
    void open(SimDisk disk, Clock clock, Path dataDir, Function<String, LogConfig> configs, Random random,
              long flusherPollMs, long checkpointIntervalMs, long retentionCheckMs) throws IOException {
        logs = logs(disk, clock, dataDir, configs, random, flusherPollMs, checkpointIntervalMs);
        replicas = new ReplicaManager(nodeId, logs, new ShardProxy(shards), hosting, retentionCheckMs);
        replicas.start();
    }

    /**
     * As {@link #open(SimDisk, Clock, Path, Function, Random, long, long, long)}, with the leaders' side of
     * replication wired: ISR changes go through {@code alterPartition}, follower fetch times are read from
     * {@code clock}, and {@code replica.lag.time.max.ms} is {@code lagTimeMaxMs}.
     */
    void open(SimDisk disk, Clock clock, Path dataDir, Function<String, LogConfig> configs, Random random,
              long flusherPollMs, long checkpointIntervalMs, long retentionCheckMs,
              AlterPartitionChannel alterPartition, long lagTimeMaxMs) throws IOException {
        logs = logs(disk, clock, dataDir, configs, random, flusherPollMs, checkpointIntervalMs);
        replicas = new ReplicaManager(nodeId, logs, new ShardProxy(shards), hosting, retentionCheckMs,
                alterPartition).isrSettings(clock, lagTimeMaxMs);
        replicas.start();
    }

    private LogManager logs(SimDisk disk, Clock clock, Path dataDir, Function<String, LogConfig> configs,
                            Random random, long flusherPollMs, long checkpointIntervalMs) throws IOException {
        return LogManager.builder(dataDir).disk(disk).clock(clock).scheduler(deleter)
                .flusherExecutors(flusher, flusherTimer).flusherPollMs(flusherPollMs)
                .checkpointIntervalMs(checkpointIntervalMs).configs(configs).deleteSuffixes(random).build();
    }

    SimExecutor shard(Random random) {
        return shards.get(random.nextInt(shards.size()));
    }

    /** True when the shards, the hosting executor and the flusher have nothing queued. */
    boolean quiet() {
        for (SimExecutor e : all) {
            if (e != deleter && e.queued() > 0) {
                return false;
            }
        }
        return true;
    }

    /** The node died: its executors drop what they hold and ignore what comes. Idempotent. */
    void kill() {
        dead = true;
        for (SimExecutor e : all) {
            e.kill();
        }
    }

    boolean dead() {
        return dead;
    }

    /**
     * Clean shutdown, as the broker does it: stop the replica manager, stop the shards, close the logs (producer
     * snapshots, forced data, checkpoints, the clean-shutdown marker). The caller made sure nothing is queued. A
     * crash of the disk meanwhile throws {@link io.samsa.testkit.SimulatedCrash}.
     */
    void closeCleanly() throws IOException {
        replicas.close();
        for (SimExecutor s : shards) {
            s.kill();
        }
        hosting.kill();
        logs.close();
        kill();
    }
}
