package io.samsa.replication;

/**
 * Which followers a partition leader may propose for its ISR, as this broker's metadata shows them (KIP-841): a
 * follower whose broker is fenced or in controlled shutdown, or whose fetches carry another broker epoch than its
 * registration's (KIP-903), stays out of an ISR expansion however caught up it is, and is proposed once the metadata
 * shows it eligible again (at its next fetch). The controller refuses such a member anyway (INELIGIBLE_REPLICA); this
 * check keeps the leader from asking, as Kafka's leader does. {@code server} answers it from the broker's metadata
 * image; replication does not know the image.
 *
 * <p>Called on partition shards: must be quick, must not block, and thread-safe.
 */
@FunctionalInterface
public interface IsrEligibility {

    /** Every follower is eligible: a broker without metadata to ask (tests, the one-node mode). */
    IsrEligibility ANY = (brokerId, brokerEpoch) -> true;

    /**
     * Whether broker {@code brokerId} is registered, unfenced and not in controlled shutdown, and, when
     * {@code brokerEpoch} is not -1 (the follower's fetches named one, Fetch v15+), registered in that epoch.
     */
    boolean isrEligible(int brokerId, long brokerEpoch);
}
