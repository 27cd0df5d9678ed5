package io.samsa.bench.harness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.Message;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A minimal blocking Kafka-protocol client over Samsa's generated codecs, for the harness's own control
 * requests (start-up probe, topic creation); the measured traffic always comes from the official tools.
 * One request at a time. Not thread-safe; owns its socket until {@link #close()}.
 */
final class WireClient implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private int correlationId;

    WireClient(String host, int port, int timeoutMs) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), timeoutMs);
        socket.setSoTimeout(timeoutMs);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** Sends {@code request} at {@code version} and reads the answer into {@code response}. */
    <T extends Message> T call(ApiMessageType api, short version, Message request, T response) throws IOException {
        short hv = api.requestHeaderVersion(version);
        int id = ++correlationId;
        RequestHeader header = new RequestHeader().setRequestApiKey(api.id()).setRequestApiVersion(version)
                .setCorrelationId(id).setClientId("samsa-bench");
        int size = header.size(hv) + request.size(version);
        ByteBuf buf = Unpooled.buffer(4 + size);
        buf.writeInt(size);
        header.write(buf, hv);
        request.write(buf, version);
        out.write(buf.array(), buf.arrayOffset(), buf.readableBytes());
        out.flush();
        int len = in.readInt();
        if (len < 4 || len > 64 << 20) {
            throw new IOException("Response frame of " + len + " bytes");
        }
        byte[] bytes = new byte[len];
        in.readFully(bytes);
        ByteBuf resp = Unpooled.wrappedBuffer(bytes);
        ResponseHeader rh = new ResponseHeader();
        rh.read(resp, api.responseHeaderVersion(version));
        if (rh.correlationId() != id) {
            throw new IOException("Correlation id " + rh.correlationId() + ", expected " + id);
        }
        response.read(resp, version);
        return response;
    }

    /** The highest version of {@code api} both sides speak, capped at {@code cap}; -1 if none. */
    short negotiate(ApiMessageType api, short cap) throws IOException {
        ApiVersionsResponse r = call(ApiMessageType.API_VERSIONS, (short) 0, new ApiVersionsRequest(),
                new ApiVersionsResponse());
        for (ApiVersionsResponse.ApiVersion v : r.apiKeys()) {
            if (v.apiKey() == api.id()) {
                short max = (short) Math.min(Math.min(v.maxVersion(), cap), api.highestVersion());
                return max >= v.minVersion() ? max : -1;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
