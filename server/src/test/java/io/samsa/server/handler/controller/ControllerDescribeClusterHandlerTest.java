package io.samsa.server.handler.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.server.config.QuorumVoter;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeClusterRequest;
import io.samsa.wire.message.DescribeClusterResponse;
import io.samsa.wire.protocol.Message;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * DescribeCluster on a controller listener (KIP-919), as Kafka's controllers answer it: the voters and the active
 * controller (the Raft leader, which need not be a broker; -1 when none is known or it is not listed), and the
 * endpoint type errors.
 */
class ControllerDescribeClusterHandlerTest {
    private final AtomicInteger leader = new AtomicInteger(3);
    private final Map<Integer, QuorumVoter> voters = new TreeMap<>(Map.of(
            1, new QuorumVoter(1, "c1", 9093), 3, new QuorumVoter(3, "c3", 9093)));
    private final ControllerDescribeClusterHandler handler = new ControllerDescribeClusterHandler(leader::get,
            () -> voters, () -> "cluster-a");

    private DescribeClusterResponse call(short version, byte endpointType) {
        AtomicReference<Message> answer = new AtomicReference<>();
        handler.handle(new RequestContext((short) 60, version, 1, "test", "CONTROLLER", null, null, null, null, 0L),
                new DescribeClusterRequest().setEndpointType(endpointType), new ResponseSink() {
                    @Override
                    public void send(Message response) {
                        answer.set(response);
                    }

                    @Override
                    public void sendNothing() {
                        throw new AssertionError("sendNothing");
                    }

                    @Override
                    public void closeConnection(String reason) {
                        throw new AssertionError("closeConnection: " + reason);
                    }
                });
        return (DescribeClusterResponse) answer.get();
    }

    @Test
    void controllersAndTheRaftLeader() {
        DescribeClusterResponse resp = call((short) 1, (byte) 2);
        assertEquals(ErrorCode.NONE.code(), resp.errorCode());
        assertEquals(3, resp.controllerId(), "the Raft leader, a controller-only node here");
        assertEquals(2, resp.endpointType());
        assertEquals(List.of(1, 3), resp.brokers().stream().map(DescribeClusterResponse.DescribeClusterBroker::brokerId)
                .toList());
        leader.set(-1);
        assertEquals(-1, call((short) 2, (byte) 2).controllerId(), "an election runs");
        leader.set(7);
        assertEquals(-1, call((short) 2, (byte) 2).controllerId(), "a leader whose endpoint is not known yet");
    }

    @Test
    void brokerEndpointsAreMismatchedAndUnknownOnesUnsupported() {
        DescribeClusterResponse brokers = call((short) 1, (byte) 1);
        assertEquals(ErrorCode.MISMATCHED_ENDPOINT_TYPE.code(), brokers.errorCode());
        assertEquals(-1, brokers.controllerId());
        assertEquals(ErrorCode.INVALID_REQUEST.code(), call((short) 0, (byte) 1).errorCode(),
                "v0 always asks for brokers");
        assertEquals(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE.code(), call((short) 2, (byte) 9).errorCode());
    }
}
