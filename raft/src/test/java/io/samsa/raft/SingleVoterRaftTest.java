package io.samsa.raft;

import io.samsa.common.ManualClock;
import io.samsa.log.LogManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The single voter: append, commit, listeners, restart and recovery, snapshots and trimming. */
class SingleVoterRaftTest {
    private static final RaftLogConfig CONFIG = new RaftLogConfig(1 << 20, 1 << 20, 2, 10);
    private final ManualClock clock = new ManualClock(1_000_000L);
    private final QueueExecutor executor = new QueueExecutor();

    @TempDir
    Path dataDir;

    private RaftClient<String> raft;

    @AfterEach
    void tearDown() {
        close();
    }

    private RaftClient<String> open() throws IOException {
        return open(CONFIG, 1 << 20);
    }

    private RaftClient<String> open(RaftLogConfig config, int maxBatchBytes) throws IOException {
        RaftLog log = RaftLog.open(dataDir, config, clock, executor);
        raft = RaftClient.singleVoter(1, log, StringSerde.INSTANCE, executor, clock, maxBatchBytes);
        return raft;
    }

    private void close() {
        if (raft != null) {
            RaftClient<String> r = raft;
            raft = null;
            executor.execute(r::close);
            executor.runAll();
        }
    }

    /** Everything a listener hears, in order. */
    private static final class Recorder implements RaftClient.Listener<String> {
        final List<String> events = new ArrayList<>();
        final List<Batch<String>> batches = new ArrayList<>();
        Snapshot<String> snapshot;
        long lastCommitted = -1;

        @Override
        public void handleCommit(Batch<String> batch) {
            events.add("commit " + batch.baseOffset() + ".." + batch.lastOffset() + " " + batch.records());
            batches.add(batch);
            lastCommitted = batch.lastOffset();
        }

        @Override
        public void handleLoadSnapshot(Snapshot<String> s) {
            events.add("snapshot " + s.id().endOffset() + " " + s.records());
            snapshot = s;
            lastCommitted = s.id().endOffset() - 1;
        }

        @Override
        public void handleLeaderChange(LeaderAndEpoch leader) {
            events.add("leader " + leader.leaderId() + " epoch " + leader.epoch());
        }
    }

    private Recorder register() {
        Recorder r = new Recorder();
        raft.register(r);
        executor.runAll();
        return r;
    }

    private long appendAndCommit(Recorder r, String... records) {
        long last = raft.append(raft.leaderAndEpoch().epoch(), List.of(records));
        executor.runUntil(() -> r.lastCommitted >= last);
        return last;
    }

    @Test
    void appendsCommitInOrderAndListenersHearEachBatchOnce() throws IOException {
        open();
        assertEquals(new LeaderAndEpoch(1, 1), raft.leaderAndEpoch());
        Recorder r = register();
        assertEquals(List.of("leader 1 epoch 1"), r.events);
        // Three appends before the executor runs: one write task, one force, three commits in order.
        assertEquals(0, raft.append(1, List.of("a")));
        assertEquals(2, raft.append(1, List.of("b", "c")));
        assertEquals(3, raft.append(1, List.of("d")));
        assertEquals(0, raft.highWatermark(), "nothing is committed before it is on disk");
        executor.runUntil(() -> r.lastCommitted >= 3);
        assertEquals(List.of("leader 1 epoch 1", "commit 0..0 [a]", "commit 1..2 [b, c]", "commit 3..3 [d]"),
            r.events);
        assertEquals(4, raft.highWatermark());
        assertEquals(1, r.batches.get(1).epoch());
        assertEquals(1_000_000L, r.batches.get(1).appendTimestamp());
        // A listener registered later hears the same history, then the leader.
        Recorder late = register();
        assertEquals(r.events.subList(1, 4), late.events.subList(0, 3));
        assertEquals("leader 1 epoch 1", late.events.get(3));
    }

    @Test
    void restartRecoversTheCommittedBatchesInANewEpoch() throws IOException {
        open();
        Recorder r = register();
        appendAndCommit(r, "a", "b");
        appendAndCommit(r, "c");
        close();
        open();
        assertEquals(new LeaderAndEpoch(1, 2), raft.leaderAndEpoch());
        assertEquals(3, raft.highWatermark());
        Recorder after = register();
        assertEquals(List.of("commit 0..1 [a, b]", "commit 2..2 [c]", "leader 1 epoch 2"), after.events);
        appendAndCommit(after, "d");
        assertEquals(2, after.batches.get(2).epoch());
        close();
        // An epoch is never reused, even when nothing was written in it.
        open();
        close();
        open();
        assertEquals(4, raft.leaderAndEpoch().epoch());
    }

    @Test
    void tornLastBatchIsLostAndOnlyIt() throws IOException {
        open();
        Recorder r = register();
        appendAndCommit(r, "a");
        appendAndCommit(r, "b");
        appendAndCommit(r, "c");
        close();
        Path segment = dataDir.resolve(RaftLog.DIR_NAME).resolve("00000000000000000000.log");
        byte[] bytes = Files.readAllBytes(segment);
        Files.write(segment, Arrays.copyOf(bytes, bytes.length - 3));
        Files.deleteIfExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        open();
        assertEquals(2, raft.highWatermark());
        Recorder after = register();
        assertEquals(List.of("commit 0..0 [a]", "commit 1..1 [b]", "leader 1 epoch 2"), after.events);
        assertEquals(2, appendAndCommit(after, "c2"));
    }

    @Test
    void snapshotThenTrimThenRestartLoadsTheSnapshotAndTheTail() throws IOException {
        open();
        Recorder r = register();
        appendAndCommit(r, "a", "b");
        appendAndCommit(r, "c");
        CompletableFuture<SnapshotId> f = raft.createSnapshot(new Snapshot<>(new SnapshotId(3, 1), 42,
            List.of("state-at-3")));
        executor.runUntil(f::isDone);
        assertEquals(new SnapshotId(3, 1), f.join());
        assertEquals(new SnapshotId(3, 1), raft.latestSnapshot());
        executor.runAll();
        appendAndCommit(r, "d");
        // The segment that held only offsets 0..2 is gone.
        try (var files = Files.list(dataDir.resolve(RaftLog.DIR_NAME))) {
            assertEquals(List.of("00000000000000000003.log"), files.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".log")).sorted().toList());
        }
        Recorder late = register();
        assertEquals(List.of("snapshot 3 [state-at-3]", "commit 3..3 [d]", "leader 1 epoch 1"), late.events);
        close();
        open();
        Recorder after = register();
        assertEquals(List.of("snapshot 3 [state-at-3]", "commit 3..3 [d]", "leader 1 epoch 2"), after.events);
        assertEquals(42, after.snapshot.lastContainedTimestamp());
        // A snapshot beyond the high watermark is refused.
        CompletableFuture<SnapshotId> beyond = raft.createSnapshot(new Snapshot<>(new SnapshotId(9, 2), 0,
            List.of()));
        executor.runUntil(beyond::isDone);
        assertTrue(beyond.isCompletedExceptionally());
    }

    @Test
    void corruptNewestSnapshotFallsBackToTheOlderOne() throws IOException {
        open();
        Recorder r = register();
        appendAndCommit(r, "a");
        CompletableFuture<SnapshotId> first = raft.createSnapshot(new Snapshot<>(new SnapshotId(1, 1), 0,
            List.of("old")));
        executor.runUntil(first::isDone);
        appendAndCommit(r, "b");
        CompletableFuture<SnapshotId> second = raft.createSnapshot(new Snapshot<>(new SnapshotId(2, 1), 0,
            List.of("new")));
        executor.runUntil(second::isDone);
        close();
        Path newest = dataDir.resolve(RaftLog.DIR_NAME).resolve(new SnapshotId(2, 1).fileName());
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 1;
        Files.write(newest, bytes);
        open();
        Recorder after = register();
        assertEquals(List.of("snapshot 1 [old]", "commit 1..1 [b]", "leader 1 epoch 2"), after.events);
    }

    @Test
    void aLogWithoutItsBeginningAndNoSnapshotIsAStorageError() throws IOException {
        open();
        Recorder r = register();
        appendAndCommit(r, "a");
        close();
        Path dir = dataDir.resolve(RaftLog.DIR_NAME);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("00000000000000000000.")) {
                    Files.move(p, dir.resolve("00000000000000000005." + n.substring(21)));
                }
            }
        }
        Files.deleteIfExists(dir.resolve("log-start-offset-checkpoint"));
        Files.deleteIfExists(dataDir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        SamsaException e = assertThrows(SamsaException.class, this::open);
        assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, e.errorCode());
    }

    @Test
    void wrongEpochAndOversizedBatchesAreRefusedBeforeAnythingIsWritten() throws IOException {
        open(CONFIG, 100);
        Recorder r = register();
        SamsaException wrongEpoch = assertThrows(SamsaException.class, () -> raft.append(7, List.of("a")));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, wrongEpoch.errorCode());
        SamsaException big = assertThrows(SamsaException.class, () -> raft.append(1, List.of("x".repeat(200))));
        assertEquals(ErrorCode.INVALID_REQUEST, big.errorCode());
        assertEquals(0, appendAndCommit(r, "small"), "a refused batch takes no offset");
        assertThrows(IllegalArgumentException.class, () -> raft.append(1, List.of()));
    }

    @Test
    void appendsAfterCloseFail() throws IOException {
        open();
        RaftClient<String> closed = raft;
        close();
        SamsaException e = assertThrows(SamsaException.class, () -> closed.append(1, List.of("a")));
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER, e.errorCode());
        assertNull(closed.latestSnapshot());
        assertFalse(closed.leaderAndEpoch().leaderId() == LeaderAndEpoch.NO_LEADER, "closing is not failing");
    }
}
