package io.samsa.server.handler.group;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * One connection for the group ITs that send exact (or hostile) requests: the official client's message
 * classes encode requests and decode responses (the oracle). Requests may be pipelined ({@link #write} many,
 * then {@link #read} in order). A read timeout makes a broker that never answers fail the test. Test thread
 * only.
 */
final class GroupWire implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final Deque<Integer> inFlight = new ArrayDeque<>();
    private int correlationId;

    GroupWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends {@code body} at {@code version} and returns the response body. */
    ByteBuffer send(ApiKeys api, short version, ApiMessage body) throws IOException {
        write(api, version, body);
        return read(api, version);
    }

    /** Sends {@code body} without waiting for its response. */
    void write(ApiKeys api, short version, ApiMessage body) throws IOException {
        int corr = ++correlationId;
        RequestHeader header = new RequestHeader(api, version, "samsa-group-it", corr);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short hv = api.requestHeaderVersion(version);
        int hs = header.data().size(cache, hv);
        int bs = body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + hs + bs);
        buf.putInt(hs + bs);
        ByteBufferAccessor acc = new ByteBufferAccessor(buf);
        header.data().write(acc, cache, hv);
        body.write(acc, cache, version);
        out.write(buf.array());
        out.flush();
        inFlight.addLast(corr);
    }

    /** Reads the response to the oldest request in flight (responses come in request order). */
    ByteBuffer read(ApiKeys api, short version) throws IOException {
        int corr = inFlight.removeFirst();
        byte[] resp = new byte[in.readInt()];
        in.readFully(resp);
        ByteBuffer rb = ByteBuffer.wrap(resp);
        ResponseHeader rh = ResponseHeader.parse(rb, api.responseHeaderVersion(version));
        if (rh.correlationId() != corr) {
            throw new IOException("Correlation id " + rh.correlationId() + ", expected " + corr);
        }
        return rb;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
