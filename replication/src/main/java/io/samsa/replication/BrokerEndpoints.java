package io.samsa.replication;

/**
 * Where another broker listens for this broker's requests: supplied by {@code server} from the metadata (each
 * broker's registration, on the inter-broker listener), read when a connection is opened, so a broker that moved is
 * found on the next reconnect. Thread-safe.
 */
@FunctionalInterface
public interface BrokerEndpoints {

    /** The address of node {@code nodeId}, or null when it is unknown. */
    BrokerAddress addressOf(int nodeId);

    /** A host and port. */
    record BrokerAddress(String host, int port) {
    }
}
