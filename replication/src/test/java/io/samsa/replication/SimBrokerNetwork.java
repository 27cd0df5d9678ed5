package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.SerialExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ParsedRequestHeader;
import io.samsa.wire.protocol.RequestHeaderParser;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's broker-to-broker protocol between simulated brokers: the stand-in for the TCP connections that
 * {@link NettyBrokerChannel} opens, over testkit's {@link SimNetwork} (seeded delay, loss, duplication, reordering,
 * cut links, crashes). Each node {@link #start}s with its network executor (where its requests arrive and its own
 * requests' responses complete: one of its event loops in production) and its server side, a
 * {@link RequestHandler}; it gets a {@link SimBrokerChannel} to send with.
 *
 * <p>Messages travel as bytes, framed exactly as on a socket (request header at the API version's header version,
 * then the body; response header, then the body), so every message the simulation sends is encoded and decoded at
 * its version, records fields point into the received frame as they do off a socket, and the receiver never shares
 * a mutable message object with the sender (a duplicated delivery decodes twice). A response carries the id of the
 * connection its request came on, so that a response to a connection the client has since closed is dropped.
 *
 * <p>Thread-safe (its monitor); handlers run on the receiving node's executor.
 */
final class SimBrokerNetwork {

    /** Bytes on the wire: a request or a response frame (header and body, no size prefix) of one connection. */
    record Frame(long connection, boolean response, byte[] bytes) {
    }

    /** A node's server side: handles a decoded request on the node's network executor. */
    @FunctionalInterface
    interface RequestHandler {
        /**
         * Handles {@code request} from node {@code from}, sent at {@code version}; answers once through
         * {@code responder}, now or later, from any thread.
         */
        void handle(int from, Message request, short version, Responder responder);
    }

    /** Sends the response to one request. */
    interface Responder {
        /** Encodes {@code response} at the request's version now (borrowing its records) and sends it. Once. */
        void respond(Message response);
    }

    private record Node(SerialExecutor io, RequestHandler handler, SimBrokerChannel channel) {
    }

    private final SimNetwork<Frame> network;
    /** Nodes up now. */
    private final Map<Integer, Node> nodes = new HashMap<>();
    /** Every node ever started: the others have an address (Netty would connect and fail or time out). */
    private final Set<Integer> known = new HashSet<>();
    private long nextConnection = 1;

    SimBrokerNetwork(SimScheduler scheduler, SimNetwork.Config config) {
        this.network = new SimNetwork<>(scheduler, config);
    }

    /** The network underneath: cut links, partitions, heal, counters. */
    SimNetwork<Frame> network() {
        return network;
    }

    /**
     * Brings node {@code nodeId} up (again, after a crash: a new incarnation) with its network executor and server
     * side; returns its channel, whose requests time out after {@code requestTimeoutMs} on the simulated clock.
     */
    synchronized SimBrokerChannel start(int nodeId, SerialExecutor io, RequestHandler handler, int requestTimeoutMs) {
        SimBrokerChannel channel = new SimBrokerChannel(this, nodeId, io, requestTimeoutMs);
        Node node = new Node(io, handler, channel);
        nodes.put(nodeId, node);
        known.add(nodeId);
        network.register(nodeId, io, (from, frame) -> receive(node, nodeId, from, frame));
        return channel;
    }

    /** Takes node {@code nodeId} down: what is in flight to or from it is lost. */
    synchronized void crash(int nodeId) {
        nodes.remove(nodeId);
        network.crash(nodeId);
    }

    synchronized boolean isKnown(int nodeId) {
        return known.contains(nodeId);
    }

    synchronized long newConnectionId() {
        return nextConnection++;
    }

    void send(int from, int to, Frame frame) {
        network.send(from, to, frame);
    }

    /** On the receiving node's executor. */
    private void receive(Node node, int self, int from, Frame frame) {
        if (frame.response()) {
            node.channel().onResponse(from, frame);
            return;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(frame.bytes());
        ParsedRequestHeader header = RequestHeaderParser.parse(buf);
        Message request = header.api().newRequest();
        request.read(buf, header.apiVersion());
        if (buf.isReadable()) {
            throw new AssertionError(buf.readableBytes() + " bytes left after " + request);
        }
        short version = header.apiVersion();
        short headerVersion = header.api().responseHeaderVersion(version);
        node.handler().handle(from, request, version, new Responder() {
            private boolean sent;

            @Override
            public void respond(Message response) {
                if (sent) {
                    throw new AssertionError("A second response to " + header);
                }
                sent = true;
                ResponseHeader rh = new ResponseHeader().setCorrelationId(header.correlationId());
                byte[] bytes = new byte[rh.size(headerVersion) + response.size(version)];
                ByteBuf out = Unpooled.wrappedBuffer(bytes).writerIndex(0);
                rh.write(out, headerVersion);
                response.write(out, version);
                send(self, from, new Frame(frame.connection(), true, bytes));
            }
        });
    }
}
