package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.metadata.TestBrokers;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What clients are told about a fenced broker: Metadata and DescribeCluster list live brokers only (DescribeCluster
 * v2 the fenced ones too, when asked, flagged), and its replicas are offline.
 */
class FencedBrokersTest {
    @TempDir
    Path dir;

    @Test
    void aFencedBrokerIsNotListedAndItsReplicasAreOffline() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of("auto.create.topics.enable", "false"))) {
            BrokerRegistration two = TestBrokers.registerUnfenced(h.metadata, 2,
                    List.of(new Endpoint(HandlerHarness.LISTENER, "broker2", 9092, "PLAINTEXT")));
            h.metadata.whenPublished(h.metadata.controller().createTopics(List.of(new CreateTopicRequest("t", -1, -1,
                    Map.of(0, List.of(2, 1)), Map.of())), false)).get(10, TimeUnit.SECONDS);
            h.metadata.whenPublished(h.metadata.controller().brokerHeartbeat(new BrokerHeartbeatRequest(2,
                    two.brokerEpoch(), h.metadata.loader().publishedOffset(), true, false)))
                    .get(10, TimeUnit.SECONDS);

            MetadataHandler metadata = new MetadataHandler(BrokerConfig.from(Map.of()), h.metadata);
            MetadataResponse resp = h.call(metadata, (short) 3, (short) 12, new MetadataRequest().setTopics(null));
            assertEquals(List.of(1), resp.brokers().stream().map(MetadataResponse.MetadataResponseBroker::nodeId)
                    .toList());
            assertEquals(1, resp.controllerId());
            MetadataResponse.MetadataResponsePartition p = resp.topics().get(0).partitions().get(0);
            assertEquals(1, p.leaderId(), "leadership moved off the fenced broker");
            assertEquals(List.of(2, 1), p.replicaNodes());
            assertEquals(List.of(1), p.isrNodes());
            assertEquals(List.of(2), p.offlineReplicas());

            DescribeClusterHandler cluster = new DescribeClusterHandler(h.metadata);
            DescribeClusterResponse live = h.call(cluster, (short) 60, (short) 2, new DescribeClusterRequest());
            assertEquals(List.of(1), live.brokers().stream().map(DescribeClusterResponse.DescribeClusterBroker::brokerId)
                    .toList());
            DescribeClusterResponse all = h.call(cluster, (short) 60, (short) 2,
                    new DescribeClusterRequest().setIncludeFencedBrokers(true));
            assertEquals(List.of(false, true), all.brokers().stream()
                    .map(DescribeClusterResponse.DescribeClusterBroker::isFenced).toList());
            assertEquals(1, all.controllerId());
        }
    }
    /**
     * The answering broker, here also the Raft leader, is fenced: clients are told a live broker as the controller
     * (Kafka's KRaft rule), never the fenced one, and -1 once no broker is live.
     */
    @Test
    void aFencedAnsweringBrokerIsNeverNamedController() throws Exception {
        try (HandlerHarness h = new HandlerHarness(dir, Map.of("auto.create.topics.enable", "false"))) {
            BrokerRegistration two = TestBrokers.registerUnfenced(h.metadata, 2,
                    List.of(new Endpoint(HandlerHarness.LISTENER, "broker2", 9092, "PLAINTEXT")));
            BrokerRegistration one = h.metadata.loader().image().broker(1);
            fence(h, one);
            MetadataHandler metadata = new MetadataHandler(BrokerConfig.from(Map.of()), h.metadata);
            DescribeClusterHandler cluster = new DescribeClusterHandler(h.metadata);
            MetadataResponse resp = h.call(metadata, (short) 3, (short) 12, new MetadataRequest().setTopics(null));
            assertEquals(List.of(2), resp.brokers().stream().map(MetadataResponse.MetadataResponseBroker::nodeId)
                    .toList());
            assertEquals(2, resp.controllerId(), "broker 1 leads the quorum and answers, but is fenced");
            DescribeClusterResponse described = h.call(cluster, (short) 60, (short) 2, new DescribeClusterRequest()
                    .setIncludeFencedBrokers(true));
            assertEquals(2, described.controllerId());

            fence(h, two);
            resp = h.call(metadata, (short) 3, (short) 12, new MetadataRequest().setTopics(null));
            assertEquals(List.of(), resp.brokers());
            assertEquals(-1, resp.controllerId(), "no live broker");
            described = h.call(cluster, (short) 60, (short) 2, new DescribeClusterRequest());
            assertEquals(-1, described.controllerId());
        }
    }

    /** Fences {@code b} at its own request; returns once the handlers' image has it. */
    private static void fence(HandlerHarness h, BrokerRegistration b) throws Exception {
        h.metadata.whenPublished(h.metadata.controller().brokerHeartbeat(new BrokerHeartbeatRequest(b.nodeId(),
                b.brokerEpoch(), h.metadata.loader().publishedOffset(), true, false))).get(10, TimeUnit.SECONDS);
    }
}
