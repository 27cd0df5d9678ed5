package io.samsa.raft;

import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The single voter when the disk crashes under its group commit (found by ControllerCrashSimulationTest, seed 2):
 * a crash inside the write of the first of several queued batches released that batch twice, and the reference
 * count error replaced the crash.
 */
class SingleVoterCrashTest {
    private static final Path DATA = Path.of("/sim/metadata");
    private static final RaftLogConfig CONFIG = new RaftLogConfig(4096, 4096, 2, 10);

    @Test
    void aCrashInsideAGroupWriteReleasesEachQueuedBatchOnce() throws Exception {
        for (int at = 1; at <= 6; at++) {
            SimScheduler s = new SimScheduler(Simulation.random(at), 1_700_000_000_000L);
            SimDisk disk = new SimDisk(s.random(), s.clock());
            SimExecutor node = s.executor("node");
            disk.onCrash(node::kill);
            RaftLog log = RaftLog.open(DATA, CONFIG, s.clock(), node, disk, node, node);
            RaftClient<String> raft = RaftClient.singleVoter(1, log, StringSerde.INSTANCE, node, s.clock(), 4096);
            int epoch = raft.leaderAndEpoch().epoch();
            raft.append(epoch, List.of("a"));
            raft.append(epoch, List.of("b", "c"));
            raft.append(epoch, List.of("d"));
            disk.crashAtOperation(disk.operations() + at);
            // Runs the group write (and the flusher) until the crash; any other failure is thrown from here.
            s.runUntil(disk::isCrashed, 10_000);
            assertTrue(node.isKilled());
            assertEquals(1, disk.crashes());
        }
    }
}
