package io.samsa.raft;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

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
 * @param directoryId          the id of this replica's metadata log directory (KIP-853), or
 *                             {@link ReplicaKey#NO_DIRECTORY}
 * @param endpoints            where this replica listens for the other controllers (what a VotersRecord names)
 * @param bootstrapServers     {@code controller.quorum.bootstrap.servers} ({@code host:port}): where a replica that
 *                             knows no voters, or no leader, asks who leads (KIP-853)
 * @param clusterId            the cluster id that requests carry and must match, or null before it is known
 */
public record RaftConfig(int nodeId, Set<Integer> voters, long electionTimeoutMs, long electionBackoffMaxMs,
                         long fetchTimeoutMs, long fetchMaxWaitMs, long retryBackoffMs, int maxFetchBytes,
                         int maxBatchBytes, UUID directoryId, List<VoterSet.Endpoint> endpoints,
                         List<String> bootstrapServers, String clusterId) {
    public RaftConfig {
        // Sorted, so that every iteration (requests to the voters) is in the same order in every JVM: Set.copyOf's
        // order depends on a per-JVM salt, and a simulation would not replay.
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
        directoryId = directoryId == null ? ReplicaKey.NO_DIRECTORY : directoryId;
        endpoints = List.copyOf(endpoints);
        bootstrapServers = List.copyOf(bootstrapServers);
        // No static voters: a dynamic quorum's replica, whose voters come from its log (or its bootstrap servers).
        if (electionTimeoutMs < 1 || electionBackoffMaxMs < 1 || fetchTimeoutMs < 1
                || fetchMaxWaitMs < 0 || retryBackoffMs < 1 || maxFetchBytes < 1 || maxBatchBytes < 64) {
            throw new IllegalArgumentException("Invalid raft config " + voters + " " + electionTimeoutMs + "/"
                + electionBackoffMaxMs + "/" + fetchTimeoutMs + "/" + fetchMaxWaitMs + "/" + retryBackoffMs);
        }
    }

    /** A replica of a static quorum (no directory id, endpoints, bootstrap servers or cluster id). */
    public RaftConfig(int nodeId, Set<Integer> voters, long electionTimeoutMs, long electionBackoffMaxMs,
                      long fetchTimeoutMs, long fetchMaxWaitMs, long retryBackoffMs, int maxFetchBytes,
                      int maxBatchBytes) {
        this(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs, retryBackoffMs,
            maxFetchBytes, maxBatchBytes, ReplicaKey.NO_DIRECTORY, List.of(), List.of(), null);
    }

    /** KRaft's defaults: 1 s election timeout and backoff, 2 s fetch timeout, 500 ms long poll, 20 ms retries. */
    public static RaftConfig of(int nodeId, Set<Integer> voters) {
        return new RaftConfig(nodeId, voters, 1000, 1000, 2000, 500, 20, 8 << 20, RaftLogConfig.defaults()
            .maxBatchBytes());
    }

    /**
     * Whether this replica is a static voter ({@code controller.quorum.voters}). A replica of a dynamic quorum is a
     * voter when the voter set in its log names it: {@code RaftClient.voters()}.
     */
    public boolean isVoter() {
        return voters.contains(nodeId);
    }

    /** How many of the static voters make a majority. */
    public int majority() {
        return voters.size() / 2 + 1;
    }

    /** This replica's key: its id and directory id. */
    public ReplicaKey key() {
        return new ReplicaKey(nodeId, directoryId);
    }

    public RaftConfig withTimeouts(long electionTimeout, long electionBackoffMax, long fetchTimeout, long fetchMaxWait,
                                   long retryBackoff) {
        return new RaftConfig(nodeId, voters, electionTimeout, electionBackoffMax, fetchTimeout, fetchMaxWait,
            retryBackoff, maxFetchBytes, maxBatchBytes, directoryId, endpoints, bootstrapServers, clusterId);
    }

    public RaftConfig withMaxFetchBytes(int v) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, v, maxBatchBytes, directoryId, endpoints, bootstrapServers, clusterId);
    }

    public RaftConfig withMaxBatchBytes(int v) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, maxFetchBytes, v, directoryId, endpoints, bootstrapServers, clusterId);
    }

    /**
     * A replica of a dynamic quorum (KIP-853): its directory id and endpoints, and the bootstrap servers it asks
     * for the leader while it knows no voters (then {@code voters} may be empty).
     */
    public RaftConfig withDynamic(UUID dirId, List<VoterSet.Endpoint> eps, List<String> bootstrap) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, maxFetchBytes, maxBatchBytes, dirId, eps, bootstrap, clusterId);
    }

    /** The cluster id requests carry; a request naming another is refused with INCONSISTENT_CLUSTER_ID. */
    public RaftConfig withClusterId(String id) {
        return new RaftConfig(nodeId, voters, electionTimeoutMs, electionBackoffMaxMs, fetchTimeoutMs, fetchMaxWaitMs,
            retryBackoffMs, maxFetchBytes, maxBatchBytes, directoryId, endpoints, bootstrapServers, id);
    }
}
