package io.samsa.raft;

/**
 * Tunables of a {@link RaftLog}: the size at which a segment rolls, the largest batch it takes, how many
 * snapshots it keeps (the log before the oldest kept one is deleted), and how often its flusher looks for due
 * checkpoints. Immutable.
 */
public record RaftLogConfig(int segmentBytes, int maxBatchBytes, int snapshotsRetained, long flusherPollMs) {
    public RaftLogConfig {
        if (segmentBytes < 64 || maxBatchBytes < 64 || snapshotsRetained < 1 || flusherPollMs < 1) {
            throw new IllegalArgumentException("Invalid raft log config " + segmentBytes + "/" + maxBatchBytes + "/"
                + snapshotsRetained + "/" + flusherPollMs);
        }
    }

    /** 64 MiB segments and batches, two snapshots kept. */
    public static RaftLogConfig defaults() {
        return new RaftLogConfig(64 << 20, 64 << 20, 2, 100);
    }

    public RaftLogConfig withSegmentBytes(int v) {
        return new RaftLogConfig(v, maxBatchBytes, snapshotsRetained, flusherPollMs);
    }

    public RaftLogConfig withMaxBatchBytes(int v) {
        return new RaftLogConfig(segmentBytes, v, snapshotsRetained, flusherPollMs);
    }
}
