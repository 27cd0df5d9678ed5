package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.SerialExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A {@link RaftChannel} over testkit's {@link SimNetwork}: requests and responses travel as the bytes the generated
 * messages write at the version the replica asked for, and are read back on the other side (so the simulation
 * exercises the wire format too), into heap buffers nobody releases. Each node's channel runs on an executor of
 * its own (its network thread): it matches responses to requests by correlation id, fails a request after its
 * timeout, and drops a late or duplicated response. Thread-safe (its state is guarded by the channel's monitor).
 */
public final class SimRaftChannel implements RaftChannel {
    /** What travels on the simulated network. */
    public record Envelope(boolean request, long correlationId, short apiKey, short version, byte[] bytes) {
    }

    private final int nodeId;
    private final SimNetwork<Envelope> network;
    private final SerialExecutor io;
    private final long requestTimeoutMs;
    private final Map<Long, CompletableFuture<Message>> pending = new HashMap<>();
    /** The node each request in {@link #pending} went to (only when modelling connections). */
    private final Map<Long, Integer> destinations = new HashMap<>();
    private final boolean closesConnections;
    private long nextCorrelationId;
    private volatile InboundHandler handler;

    public SimRaftChannel(int nodeId, SimNetwork<Envelope> network, SerialExecutor io, long requestTimeoutMs) {
        this(nodeId, network, io, requestTimeoutMs, false);
    }

    /**
     * @param closesConnections model connections: a request to a node that is down, or in flight to one that
     *                          crashes, fails at once with NETWORK_EXCEPTION (the kernel closes a dead process's
     *                          sockets) instead of timing out
     */
    public SimRaftChannel(int nodeId, SimNetwork<Envelope> network, SerialExecutor io, long requestTimeoutMs,
                          boolean closesConnections) {
        this.nodeId = nodeId;
        this.network = network;
        this.io = io;
        this.requestTimeoutMs = requestTimeoutMs;
        this.closesConnections = closesConnections;
        network.register(nodeId, io, this::receive);
        if (closesConnections) {
            network.onCrash(this::peerCrashed);
        }
    }

    /** Fails the requests in flight to {@code peer}, which crashed. */
    private void peerCrashed(int peer) {
        List<CompletableFuture<Message>> failed = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Map.Entry<Long, Integer>> it = destinations.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Long, Integer> e = it.next();
                if (e.getValue() == peer) {
                    it.remove();
                    CompletableFuture<Message> f = pending.remove(e.getKey());
                    if (f != null) {
                        failed.add(f);
                    }
                }
            }
        }
        for (CompletableFuture<Message> f : failed) {
            io.execute(() -> f.completeExceptionally(closed(peer)));
        }
    }

    private static SamsaException closed(int peer) {
        return new SamsaException(ErrorCode.NETWORK_EXCEPTION, "The connection to node " + peer + " closed");
    }

    @Override
    public CompletableFuture<Message> send(int voterId, Message request, short version) {
        CompletableFuture<Message> f = new CompletableFuture<>();
        if (closesConnections && !network.isUp(voterId)) {
            io.schedule(() -> f.completeExceptionally(closed(voterId)), 1);
            return f;
        }
        long id;
        synchronized (this) {
            id = nextCorrelationId++;
            pending.put(id, f);
            if (closesConnections) {
                destinations.put(id, voterId);
            }
        }
        network.send(nodeId, voterId, new Envelope(true, id, request.apiKey(), version, bytes(request, version)));
        io.schedule(() -> {
            CompletableFuture<Message> timedOut;
            synchronized (this) {
                timedOut = pending.remove(id);
                destinations.remove(id);
            }
            if (timedOut != null) {
                timedOut.completeExceptionally(new TimeoutException("No answer from " + voterId + " within "
                    + requestTimeoutMs + " ms"));
            }
        }, requestTimeoutMs);
        return f;
    }

    /** The address of node {@code id} as bootstrap servers name it in the simulation. */
    public static String address(int id) {
        return "sim-" + id + ":9093";
    }

    /** A bootstrap server is a node's address ({@link #address}): the request goes to that node. */
    @Override
    public CompletableFuture<Message> sendToBootstrap(String server, Message request, short version) {
        int id = Integer.parseInt(server.substring(4, server.indexOf(':')));
        return send(id, request, version);
    }

    @Override
    public void onRequest(InboundHandler h) {
        this.handler = h;
    }

    private void receive(int from, Envelope e) {
        ApiMessageType type = ApiMessageType.fromId(e.apiKey());
        if (e.request()) {
            Message request = read(type.newRequest(), e);
            InboundHandler h = handler;
            if (h == null) {
                return;
            }
            h.handle(from, request, e.version()).whenComplete((response, error) -> {
                if (error == null) {
                    network.send(nodeId, from, new Envelope(false, e.correlationId(), e.apiKey(), e.version(),
                        bytes(response, e.version())));
                }
            });
            return;
        }
        CompletableFuture<Message> f;
        synchronized (this) {
            f = pending.remove(e.correlationId());
            destinations.remove(e.correlationId());
        }
        if (f != null) {
            f.complete(read(type.newResponse(), e));
        }
    }

    private static byte[] bytes(Message m, short version) {
        byte[] out = new byte[m.size(version)];
        ByteBuf buf = Unpooled.wrappedBuffer(out);
        buf.writerIndex(0);
        m.write(buf, version);
        if (buf.writerIndex() != out.length) {
            throw new AssertionError(m.getClass().getSimpleName() + " wrote " + buf.writerIndex() + " bytes, sized "
                + out.length);
        }
        return out;
    }

    private static Message read(Message into, Envelope e) {
        ByteBuf buf = Unpooled.wrappedBuffer(e.bytes());
        into.read(buf, e.version());
        if (buf.isReadable()) {
            throw new AssertionError(into.getClass().getSimpleName() + " left " + buf.readableBytes() + " bytes");
        }
        return into;
    }
}
