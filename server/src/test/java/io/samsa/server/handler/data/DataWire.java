package io.samsa.server.handler.data;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A one-connection client for data-path ITs that need an exact request version: encodes with the official
 * client's message classes (the oracle) over a blocking socket with a read timeout, so a broker that does not
 * answer fails the test instead of hanging it.
 */
final class DataWire implements AutoCloseable {
    private final Socket socket;
    private int correlationId;

    DataWire(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
    }

    /** Sends {@code body} at {@code version} and returns the response body. */
    ByteBuffer send(ApiKeys api, short version, ApiMessage body) throws IOException {
        int corr = write(api, version, body);
        return read(api, version, corr);
    }

    /** Sends {@code body} without reading a response; returns its correlation id. */
    int write(ApiKeys api, short version, ApiMessage body) throws IOException {
        int corr = ++correlationId;
        RequestHeader header = new RequestHeader(api, version, "samsa-it", corr);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short hv = api.requestHeaderVersion(version);
        int hs = header.data().size(cache, hv);
        int bs = body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + hs + bs);
        buf.putInt(hs + bs);
        ByteBufferAccessor acc = new ByteBufferAccessor(buf);
        header.data().write(acc, cache, hv);
        body.write(acc, cache, version);
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        out.write(buf.array());
        out.flush();
        return corr;
    }

    /** Reads the next response, which must carry {@code corr}. */
    ByteBuffer read(ApiKeys api, short version, int corr) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] resp = new byte[in.readInt()];
        in.readFully(resp);
        ByteBuffer rb = ByteBuffer.wrap(resp);
        ResponseHeader rh = ResponseHeader.parse(rb, api.responseHeaderVersion(version));
        if (rh.correlationId() != corr) {
            throw new IOException("Correlation id " + rh.correlationId() + ", expected " + corr);
        }
        return rb;
    }

    /** True when the broker closed the connection (read returns end of stream). */
    boolean closedByPeer() throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
