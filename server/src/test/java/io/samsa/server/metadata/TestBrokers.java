package io.samsa.server.metadata;

import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Test support: a broker registered with this node's controller and unfenced, as a starting broker does. */
public final class TestBrokers {
    private TestBrokers() {
    }

    /** Registers broker {@code nodeId} and unfences it; returns once this node's handlers see it unfenced. */
    public static BrokerRegistration registerUnfenced(BrokerMetadata metadata, int nodeId, List<Endpoint> listeners)
            throws Exception {
        BrokerRegistration reg = metadata.whenPublished(metadata.controller().registerBroker(
                new BrokerRegistrationRequest(nodeId, null, UUID.randomUUID(), listeners, Map.of(), null)))
                .get(10, TimeUnit.SECONDS);
        BrokerHeartbeatReply reply = metadata.whenPublished(metadata.controller().brokerHeartbeat(
                new BrokerHeartbeatRequest(nodeId, reg.brokerEpoch(), metadata.loader().publishedOffset(), false,
                        false))).get(10, TimeUnit.SECONDS);
        if (reply.isFenced()) {
            throw new AssertionError("Broker " + nodeId + " is still fenced: " + reply);
        }
        return metadata.loader().image().broker(nodeId);
    }
}
