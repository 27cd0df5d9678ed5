package io.samsa.server.config;

/**
 * The timings of this node's replica of the metadata quorum, from Kafka's {@code controller.quorum.*} settings
 * (KIP-595): {@code election.timeout.ms} (a voter without a leader stands after a random time in
 * {@code [t, 2t)}), {@code election.backoff.max.ms}, {@code fetch.timeout.ms} (a follower that has not fetched for
 * this long stands; a leader not heard from a majority for 1.5 times this long resigns), {@code retry.backoff.ms}
 * and {@code request.timeout.ms} (how long a request between replicas may take). Immutable.
 */
public record QuorumTimeouts(long electionTimeoutMs, long electionBackoffMaxMs, long fetchTimeoutMs,
                             long retryBackoffMs, int requestTimeoutMs) {
    public static final String ELECTION_TIMEOUT_MS = "controller.quorum.election.timeout.ms";
    public static final String ELECTION_BACKOFF_MAX_MS = "controller.quorum.election.backoff.max.ms";
    public static final String FETCH_TIMEOUT_MS = "controller.quorum.fetch.timeout.ms";
    public static final String RETRY_BACKOFF_MS = "controller.quorum.retry.backoff.ms";
    public static final String REQUEST_TIMEOUT_MS = "controller.quorum.request.timeout.ms";

    /** Kafka's defaults: 1 s, 1 s, 2 s, 20 ms, 2 s. */
    public static final QuorumTimeouts DEFAULTS = new QuorumTimeouts(1000, 1000, 2000, 20, 2000);

    public static QuorumTimeouts of(BrokerConfig c) {
        return new QuorumTimeouts(c.getLong(ELECTION_TIMEOUT_MS), c.getLong(ELECTION_BACKOFF_MAX_MS),
                c.getLong(FETCH_TIMEOUT_MS), c.getLong(RETRY_BACKOFF_MS), c.getInt(REQUEST_TIMEOUT_MS));
    }
}
