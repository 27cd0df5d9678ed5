package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.Simulation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Raft log's files go through the {@code Disk} it is opened with: on testkit's simulated disk (nothing on the
 * real file system), what was forced (batches, a snapshot, the election state) survives a crash, and what was not
 * is lost; the log module's flusher runs on the executors passed in.
 */
class RaftLogDiskTest {
    private static final Path DATA = Path.of("/sim/metadata");
    private static final RaftLogConfig CONFIG = new RaftLogConfig(4096, 4096, 2, 10);

    private final SimScheduler scheduler = new SimScheduler(Simulation.random(1), 1_700_000_000_000L);
    private final SimDisk disk = new SimDisk(scheduler.random(), scheduler.clock());

    private RaftLog open(SimExecutor executor) throws Exception {
        return RaftLog.open(DATA, CONFIG, scheduler.clock(), executor, disk, executor, executor);
    }

    private CompletableFuture<Void> append(RaftLog log, int epoch, String record) {
        ByteBuf batch = BatchCodec.encode(UnpooledByteBufAllocator.DEFAULT, log.endOffset(), epoch,
            scheduler.nowMillis(), List.of(record), StringSerde.INSTANCE);
        try {
            return log.appendAsLeader(batch, epoch).durable();
        } finally {
            batch.release();
        }
    }

    @Test
    void forcedStateSurvivesACrashOnTheSimulatedDisk() throws Exception {
        SimExecutor node = scheduler.executor("node-0");
        disk.onCrash(node::kill);
        RaftLog log = open(node);
        CompletableFuture<Void> first = append(log, 3, "a");
        scheduler.runUntil(first::isDone);
        log.writeElectionState(new ElectionState(3, 1, 1));
        log.writeSnapshot(new SnapshotId(1, 3), Unpooled.wrappedBuffer("snap".getBytes(StandardCharsets.US_ASCII)));
        long forcesBefore = disk.operationCounts().get(SimDisk.Op.FORCE);
        append(log, 3, "b");
        assertEquals(forcesBefore, disk.operationCounts().get(SimDisk.Op.FORCE), "forced on the caller's thread");
        assertTrue(disk.exists(DATA.resolve(RaftLog.DIR_NAME).resolve("quorum-state")));
        assertFalse(java.nio.file.Files.exists(DATA), "nothing on the real file system");

        disk.crash();
        disk.restart();
        SimExecutor next = scheduler.executor("node-1");
        RaftLog reopened = open(next);
        assertEquals(new ElectionState(3, 1, 1), reopened.electionState());
        assertEquals(List.of(new SnapshotId(1, 3)), reopened.snapshots());
        assertTrue(reopened.endOffset() >= 1, "the forced batch is there");
        assertEquals(3, reopened.lastEpoch());
        ByteBuf snap = reopened.readSnapshot(new SnapshotId(1, 3));
        try {
            assertEquals("snap", snap.toString(StandardCharsets.US_ASCII));
        } finally {
            snap.release();
        }
    }

    @Test
    void aCrashWhileTheElectionStateIsWrittenKeepsTheOldOrTheNew() throws Exception {
        for (int at = 1; at <= 5; at++) {
            SimScheduler s = new SimScheduler(Simulation.random(at), 1_700_000_000_000L);
            SimDisk d = new SimDisk(s.random(), s.clock());
            SimExecutor node = s.executor("node-0");
            d.onCrash(node::kill);
            RaftLog log = RaftLog.open(DATA, CONFIG, s.clock(), node, d, node, node);
            log.writeElectionState(new ElectionState(4, 2, 2));
            d.crashAtOperation(d.operations() + at);
            assertThrows(Error.class, () -> log.writeElectionState(new ElectionState(5, -1, 1)));
            d.restart();
            SimExecutor next = s.executor("node-1");
            ElectionState state = RaftLog.open(DATA, CONFIG, s.clock(), next, d, next, next).electionState();
            assertTrue(state.equals(new ElectionState(4, 2, 2)) || state.equals(new ElectionState(5, -1, 1)),
                "crash at the write's operation " + at + " left " + state);
        }
    }
}
