package io.samsa.raft;

import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a replica of a Raft quorum needs to know (KRaft's {@code controller.quorum.*} settings, KIP-595): its id,
 * the static voters ({@code controller.quorum.voters}; a replica not among them is an observer, which fetches but
 * never votes), and the timings. Immutable; {@link #of} gives KRaft's defaults.
 *
 * @param electionTimeoutMs    a voter without a leader starts an election after a random time in
 *                             {@code [electionTimeoutMs, 2 * electionTimeoutMs)} ({@code election.timeout.ms})
 * @param electionBackoffMaxMs the largest random pause before a lost election is retried
 *                             ({@code election.backoff.max.ms})
 * @param fetchTimeoutMs       a follower that has not fetched successfully for this long stops following; a
 *                             leader that has not heard from a majority for 1.5 times this long resigns
 *                             (check-quorum) ({@code fetch.timeout.ms})
 * @param fetchMaxWaitMs       how long the leader holds a fetch that finds nothing new (the long poll)
 * @param retryBackoffMs       the pause before a failed request is sent again ({@code retry.backoff.ms})
 * @param maxFetchBytes        the most record bytes one fetch answer, or one snapshot chunk, carries
 * @param maxBatchBytes        the largest batch {@link RaftClient#append} accepts
 */
public record RaftConfig(int nodeId, Set<Integer> voters, long electionTimeoutMs, long electionBackoffMaxMs,
                         long fetchTimeoutMs, long fetchMaxWaitMs, long retryBackoffMs, int maxFetchBytes,
                         int maxBatchBytes) {
    public RaftConfig {
        // Sorted, so that every iteration (requests to the voters) is in the same order in every JVM: Set.copyOf's
        // order depends on a per-JVM salt, and a simulation would not replay.
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        if (voters.isEmpty() || electionTimeoutMs < 1 || electionBackoffMaxMs < 1 || fetchTimeoutMs < 1
                || fetchMaxWaitMs < 0 || retryBackoffMs < 1 || maxFetchBytes < 1 || maxBatchBytes < 64) {
            throw new IllegalArgumentException("Invalid raft config " + voters + " " + electionTimeoutMs + "/"
                + electionBackoffMaxMs + "/" + fetchTimeoutMs + "/" + fetchMaxWaitMs + "/" + retryBackoffMs);
        }
    }

    /** KRaft's defaults: 1 s election timeout and backoff, 2 s fetch timeout, 500 ms long poll, 20 ms retries. */
    public static RaftConfig of(int nodeId, Set<Integer> voters) {
        return new RaftConfig(nodeId, voters, 1000, 1000, 2000, 500, 20, 8 << 20, RaftLogConfig.defaults()
            .maxBatchBytes());
    }

    /** Whether this replica is a voter. */
    public boolean isVoter() {
        return voters.contains(nodeId);
    }

    /** How many voters make a majority. */
    public int majority() {
        return voters.size() / 2 + 1;
    }

    public RaftConfig withTimeouts(long electionTimeout, long electionBackoffMax, long fetchTimeout, long fetchMaxWait,
                                   long retryBackoff) {
        return new RaftConfig(nodeId, voters, electionTimeout, electionBackoffMax, fetchTimeout, fetchMaxWait,
            retryBackoff, maxFetchBytes, maxBatchBytes);
    }

    public RaftConfig withMaxFetchBytes(int v) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, v, maxBatchBytes);
    }

    public RaftConfig withMaxBatchBytes(int v) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, maxFetchBytes, v);
    }
}
