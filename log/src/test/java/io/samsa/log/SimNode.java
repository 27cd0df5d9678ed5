package io.samsa.log;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;

import java.nio.file.Path;

/**
 * A node of the crash regression tests: a simulated clock, scheduler and disk from one seed, and one executor that
 * plays every thread of the log (writer calls come from the test itself; flusher, timer and deleter run on it). A
 * crash kills the executor; {@link #restart()} brings the disk back and gives the node a new one. Not thread-safe.
 */
final class SimNode {
    static final long T0 = 1_700_000_000_000L;
    static final Path DATA = Path.of("/data");

    final SimScheduler scheduler;
    final SimDisk disk;
    private SimExecutor executor;
    private int lives;

    SimNode(long seed) {
        scheduler = new SimScheduler(Simulation.random(seed), T0);
        disk = new SimDisk(scheduler.random(), scheduler.clock());
        executor = scheduler.executor("node-0");
        disk.onCrash(() -> executor.kill());
    }

    /** A log manager in {@link #DATA} with {@code config} for every topic, its checkpoints written on every pass. */
    LogManager open(LogConfig config) throws Exception {
        return LogManager.builder(DATA).disk(disk).clock(scheduler.clock()).scheduler(executor)
                .flusherExecutors(executor, executor).checkpointIntervalMs(0).configs(t -> config).build();
    }

    /** As {@link #open(LogConfig)}, with {@code forcer} as the fsync seam (a no-op one plays a missing fsync). */
    LogManager open(LogConfig config, FileForcer forcer) throws Exception {
        return LogManager.builder(DATA).disk(disk).clock(scheduler.clock()).scheduler(executor).forcer(forcer)
                .flusherExecutors(executor, executor).checkpointIntervalMs(0).configs(t -> config).build();
    }

    /** Brings the disk back as the crash left it, with a new executor. */
    void restart() {
        disk.restart();
        executor = scheduler.executor("node-" + ++lives);
    }

    /** Crashes now, between operations, and restarts. */
    void crashAndRestart() {
        disk.crash();
        restart();
    }
}
