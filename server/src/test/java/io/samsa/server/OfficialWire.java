package io.samsa.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
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
 * A one-connection client for ITs that need an exact request version: encodes requests and decodes
 * responses with the official client's message classes (the oracle), over a blocking socket with a read
 * timeout so that a broker that does not answer fails the test instead of hanging it. Requests may be
 * pipelined ({@link #write}, then {@link #read} in order). Test thread only.
 */
public final class OfficialWire implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final Deque<Integer> inFlight = new ArrayDeque<>();
    private final String clientId;
    private int correlationId;

    public OfficialWire(int port) throws IOException {
        this(port, "samsa-it");
    }

    public OfficialWire(int port, String clientId) throws IOException {
        this.clientId = clientId;
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends {@code body} at {@code version} and returns the response body (after the header). */
    public ByteBuffer send(ApiKeys api, short version, ApiMessage body) throws IOException {
        int corr = write(api, version, body);
        return read(api, version, corr);
    }

    /** Sends {@code body} without waiting for its response; returns its correlation id. */
    public int write(ApiKeys api, short version, ApiMessage body) throws IOException {
        int corr = ++correlationId;
        RequestHeader header = new RequestHeader(api, version, clientId, corr);
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
        return corr;
    }

    /** Reads the response to the oldest request in flight (responses come in request order). */
    public ByteBuffer read(ApiKeys api, short version) throws IOException {
        return read(api, version, inFlight.peekFirst());
    }

    /** Reads the next response, which must carry {@code corr}. */
    public ByteBuffer read(ApiKeys api, short version, int corr) throws IOException {
        inFlight.remove(corr);
        byte[] resp = new byte[in.readInt()];
        in.readFully(resp);
        ByteBuffer rb = ByteBuffer.wrap(resp);
        ResponseHeader rh = ResponseHeader.parse(rb, api.responseHeaderVersion(version));
        if (rh.correlationId() != corr) {
            throw new IOException("Correlation id " + rh.correlationId() + ", expected " + corr);
        }
        return rb;
    }

    /** True when the broker closed the connection (a read returns end of stream or fails). */
    public boolean closedByPeer() throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
