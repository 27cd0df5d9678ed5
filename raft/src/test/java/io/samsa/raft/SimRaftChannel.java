package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.common.SerialExecutor;
import io.samsa.testkit.SimNetwork;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.protocol.Message;

import java.util.HashMap;
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
    private long nextCorrelationId;
    private volatile InboundHandler handler;

    public SimRaftChannel(int nodeId, SimNetwork<Envelope> network, SerialExecutor io, long requestTimeoutMs) {
        this.nodeId = nodeId;
        this.network = network;
        this.io = io;
        this.requestTimeoutMs = requestTimeoutMs;
        network.register(nodeId, io, this::receive);
    }

    @Override
    public CompletableFuture<Message> send(int voterId, Message request, short version) {
        CompletableFuture<Message> f = new CompletableFuture<>();
        long id;
        synchronized (this) {
            id = nextCorrelationId++;
            pending.put(id, f);
        }
        network.send(nodeId, voterId, new Envelope(true, id, request.apiKey(), version, bytes(request, version)));
        io.schedule(() -> {
            CompletableFuture<Message> timedOut;
            synchronized (this) {
                timedOut = pending.remove(id);
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
