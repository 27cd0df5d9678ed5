package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated {@link BrokerChannel} of one node: the same contract and failure codes as {@link NettyBrokerChannel},
 * over a {@link SimBrokerNetwork}. One connection per destination node, correlation ids counted per connection,
 * requests pipelined (many in flight) and matched to responses by correlation id.
 *
 * <ul>
 *   <li>A request with no response within {@code requestTimeoutMs} of the simulated clock (lost, its response lost,
 *       its destination crashed or cut off) fails with REQUEST_TIMED_OUT, and, as in Netty's channel, closes the
 *       connection: the other requests in flight on it fail with NETWORK_EXCEPTION, and a late response to any of
 *       them is dropped. The next request opens a new connection.</li>
 *   <li>A node never started has no address: BROKER_NOT_AVAILABLE. A version the request cannot be written at:
 *       UNSUPPORTED_VERSION. A response that cannot be read: NETWORK_EXCEPTION. After {@link #close()}:
 *       NETWORK_EXCEPTION for what is in flight and for every later request.</li>
 *   <li>A duplicated response finds its request gone and is dropped.</li>
 * </ul>
 *
 * <p>The request is encoded on the caller's thread (so it may be changed once {@link #send} returns); the connection
 * state lives on the node's network executor, where the futures complete. A {@link BrokerResponse} owns a copy of
 * its frame, which its records fields point into; {@link #openResponses()} counts those not closed yet (a test's
 * leak check). Thread-safe.
 */
final class SimBrokerChannel implements BrokerChannel {
    private final SimBrokerNetwork network;
    private final int self;
    private final SerialExecutor io;
    private final int requestTimeoutMs;
    /** By destination node; network executor only. */
    private final Map<Integer, Connection> connections = new TreeMap<>();
    private final AtomicInteger openResponses = new AtomicInteger();
    private volatile boolean closed;

    SimBrokerChannel(SimBrokerNetwork network, int self, SerialExecutor io, int requestTimeoutMs) {
        this.network = network;
        this.self = self;
        this.io = io;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public CompletableFuture<BrokerResponse> send(int nodeId, Message request, short version) {
        CompletableFuture<BrokerResponse> future = new CompletableFuture<>();
        ApiMessageType type = BrokerFraming.api(request, version);
        if (type == null) {
            future.completeExceptionally(BrokerFraming.unsupported(request, version));
            return future;
        }
        if (closed) {
            future.completeExceptionally(closedError(nodeId));
            return future;
        }
        byte[] body;
        try {
            body = new byte[request.size(version)];
            request.write(Unpooled.wrappedBuffer(body).writerIndex(0), version);
        } catch (RuntimeException e) {
            future.completeExceptionally(new SamsaException(ErrorCode.UNSUPPORTED_VERSION, "Cannot write "
                    + type.apiName() + " v" + version + " to node " + nodeId + ": " + e.getMessage(), e));
            return future;
        }
        Pending p = new Pending(type, version, body, future);
        io.execute(() -> connection(nodeId).send(p));
        return future;
    }

    /** Closes every connection: requests in flight fail with NETWORK_EXCEPTION, later ones too. Idempotent. */
    @Override
    public void close() {
        closed = true;
        io.execute(() -> {
            for (Connection c : connections.values()) {
                c.disconnect(closedError(c.nodeId));
            }
        });
    }

    /** Responses handed out and not closed yet. */
    int openResponses() {
        return openResponses.get();
    }

    /** Requests sent and not answered, timed out or failed yet, on every connection. Network executor. */
    int inFlight() {
        int n = 0;
        for (Connection c : connections.values()) {
            n += c.inFlight.size();
        }
        return n;
    }

    private SamsaException closedError(int nodeId) {
        return new SamsaException(ErrorCode.NETWORK_EXCEPTION, "The broker channel of node " + self
                + " is closed (request to node " + nodeId + ")");
    }

    private Connection connection(int nodeId) {
        return connections.computeIfAbsent(nodeId, Connection::new);
    }

    /** A response frame from node {@code from}. Network executor. */
    void onResponse(int from, SimBrokerNetwork.Frame frame) {
        Connection c = connections.get(from);
        if (c != null && c.id == frame.connection()) {
            c.onResponse(frame.bytes());
        }
    }

    /** One request from {@link #send} to its outcome. */
    private static final class Pending {
        final ApiMessageType type;
        final short version;
        final byte[] body;
        final CompletableFuture<BrokerResponse> future;
        int correlationId;
        Scheduler.Cancellable timeout;

        Pending(ApiMessageType type, short version, byte[] body, CompletableFuture<BrokerResponse> future) {
            this.type = type;
            this.version = version;
            this.body = body;
            this.future = future;
        }

        void fail(SamsaException e) {
            if (timeout != null) {
                timeout.cancel();
            }
            future.completeExceptionally(e);
        }
    }

    /** The connection to one node. Network executor only. */
    private final class Connection {
        final int nodeId;
        final Map<Integer, Pending> inFlight = new LinkedHashMap<>();
        /** Changes when the connection closes: responses on the old one are dropped. */
        long id;
        int nextCorrelationId;

        Connection(int nodeId) {
            this.nodeId = nodeId;
            this.id = network.newConnectionId();
        }

        void send(Pending p) {
            if (closed) {
                p.fail(closedError(nodeId));
                return;
            }
            if (!network.isKnown(nodeId)) {
                p.fail(new SamsaException(ErrorCode.BROKER_NOT_AVAILABLE, "Node " + nodeId + " has no known address"));
                return;
            }
            p.correlationId = nextCorrelationId;
            nextCorrelationId = nextCorrelationId == Integer.MAX_VALUE ? 0 : nextCorrelationId + 1;
            RequestHeader header = BrokerFraming.requestHeader(p.type, p.version, p.correlationId, "broker-" + self);
            short headerVersion = p.type.requestHeaderVersion(p.version);
            byte[] frame = new byte[header.size(headerVersion) + p.body.length];
            ByteBuf out = Unpooled.wrappedBuffer(frame).writerIndex(0);
            header.write(out, headerVersion);
            out.writeBytes(p.body);
            inFlight.put(p.correlationId, p);
            p.timeout = io.schedule(() -> timedOut(p), requestTimeoutMs);
            network.send(self, nodeId, new SimBrokerNetwork.Frame(id, false, frame));
        }

        void onResponse(byte[] bytes) {
            ByteBuf frame = Unpooled.wrappedBuffer(bytes);
            Pending p = inFlight.remove(frame.getInt(0));
            if (p == null) {
                return;
            }
            p.timeout.cancel();
            // The response owns a copy of the frame, as Netty's owns the frame it read; closing releases it.
            ByteBuf owned = Unpooled.buffer(bytes.length).writeBytes(bytes);
            BrokerResponse response;
            try {
                Message body = BrokerFraming.readResponse(p.type, p.version, owned);
                openResponses.incrementAndGet();
                response = new BrokerResponse(body, () -> {
                    openResponses.decrementAndGet();
                    owned.release();
                });
            } catch (RuntimeException e) {
                owned.release();
                p.future.completeExceptionally(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "Cannot read the "
                        + p.type.apiName() + " v" + p.version + " response of node " + nodeId + ": "
                        + e.getMessage(), e));
                return;
            }
            if (!p.future.complete(response)) {
                response.close();
            }
        }

        private void timedOut(Pending p) {
            if (inFlight.get(p.correlationId) != p) {
                return;
            }
            inFlight.remove(p.correlationId);
            p.future.completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, p.type.apiName()
                    + " request to node " + nodeId + " got no response within " + requestTimeoutMs + " ms"));
            // Responses come in order on one connection: the rest would wait behind the lost one. Close it.
            disconnect(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "The connection to node " + nodeId
                    + " closed after a request timed out"));
        }

        void disconnect(SamsaException e) {
            id = network.newConnectionId();
            nextCorrelationId = 0;
            List<Pending> lost = new ArrayList<>(inFlight.values());
            inFlight.clear();
            for (Pending p : lost) {
                p.fail(e);
            }
        }
    }
}
