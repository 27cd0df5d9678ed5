package io.samsa.server.security.quota;

import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.data.FetchThrottle;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ThrottledResponse;
import java.util.concurrent.TimeUnit;

/**
 * Applies the client quotas to one request as its response leaves (KIP-219): records what the request used, sets
 * {@code throttle_time_ms} in the response to the longest throttle of the quotas it broke, and tells the connection
 * how long to stop reading from the client. What is counted:
 * <ul>
 *   <li>{@code producer_byte_rate}: the size of a Produce request (as Kafka counts it, the whole request);</li>
 *   <li>{@code consumer_byte_rate}: the size of a consumer's Fetch response (a follower's fetch is not counted);
 *   as in Kafka, a response that would break the quota is not counted and goes without its records;</li>
 *   <li>{@code request_percentage}: the time the request's handler ran on the connection's event loop, as a
 *   percentage of one thread (Samsa's handlers run there; work handed to other shards or waiting in purgatory is
 *   not counted); every API whose response has a throttle time, other than a follower's fetch;</li>
 *   <li>{@code controller_mutation_rate}: partitions created and deleted ({@link MutationQuota}).</li>
 * </ul>
 * With no quota set, {@link #throttle} returns 0 after one check. Thread-safe.
 */
public final class RequestThrottler {
    private static final short PRODUCE = 0;
    private static final short FETCH = 1;
    /** Kafka's conversion of handler time to a rate in percent of one thread: percent-seconds per nanosecond. */
    private static final double PERCENT_SECONDS_PER_NANO = 100.0 / TimeUnit.SECONDS.toNanos(1);

    private final ClientQuotas quotas;
    private final MutationQuota mutations;

    public RequestThrottler(ClientQuotas quotas) {
        this.quotas = quotas;
        this.mutations = new MutationQuota(quotas, quotas.image());
    }

    /**
     * KIP-599: the answer to a CreateTopics, DeleteTopics or CreatePartitions that the client's controller mutation
     * rate refuses ({@code THROTTLING_QUOTA_EXCEEDED} for every topic), or null when the request may run.
     */
    public Message refusal(RequestContext rc, Message request) {
        if (!MutationQuota.isMutation(rc.apiKey()) || !quotas.enabled()) {
            return null;
        }
        return mutations.refusal(rc, request, rc.principal().name(), clientId(rc));
    }

    private static String clientId(RequestContext rc) {
        return rc.clientId() == null ? "" : rc.clientId();
    }

    /**
     * Records the request and returns its throttle time (ms), which it also sets in {@code response} when the
     * response's version carries it. {@code response} is null for a request that is not answered (acks=0).
     */
    public long throttle(RequestContext rc, Message request, Message response, int requestBytes, long handlerNanos) {
        if (!quotas.enabled() || isFollowerFetch(request)) {
            return 0;
        }
        String user = rc.principal().name();
        String clientId = clientId(rc);
        long throttle = 0;
        if (MutationQuota.isMutation(rc.apiKey())) {
            throttle = mutations.record(rc, request, response, user, clientId);
        } else if (rc.apiKey() == PRODUCE) {
            throttle = quotas.record(ClientQuotas.Kind.PRODUCE, user, clientId, requestBytes);
        } else if (rc.apiKey() == FETCH && response != null) {
            // As Kafka does: a fetch that would break the quota is not counted and is answered empty.
            throttle = quotas.recordUnlessThrottled(ClientQuotas.Kind.FETCH, user, clientId,
                    response.size(rc.apiVersion()));
            if (throttle > 0) {
                FetchThrottle.dropRecords(response);
            }
        }
        if (response instanceof ThrottledResponse t) {
            throttle = Math.max(throttle, quotas.record(ClientQuotas.Kind.REQUEST, user, clientId,
                    handlerNanos * PERCENT_SECONDS_PER_NANO));
            if (throttle > 0 && t.carriesThrottleTime(rc.apiVersion())) {
                t.setThrottleTimeMs((int) Math.min(Integer.MAX_VALUE, Math.max(throttle, t.throttleTimeMs())));
            }
        }
        return throttle;
    }

    private static boolean isFollowerFetch(Message request) {
        if (request instanceof FetchRequest f) {
            return f.replicaId() >= 0 || f.replicaState() != null && f.replicaState().replicaId() >= 0;
        }
        return false;
    }
}
