package io.samsa.embedded;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/** A tiny blocking Kafka-protocol client for these tests: ApiVersions v3 over one socket. */
final class WireProbe implements AutoCloseable {
    private static final short API_VERSIONS = 18;
    private static final short V3 = 3;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    WireProbe(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends an ApiVersions v3 request without waiting for its answer. */
    void sendApiVersions(int correlationId) throws IOException {
        RequestHeader header = new RequestHeader().setRequestApiKey(API_VERSIONS).setRequestApiVersion(V3)
                .setCorrelationId(correlationId).setClientId("embedded-test");
        ApiVersionsRequest body = new ApiVersionsRequest().setClientSoftwareName("samsa-embedded-test")
                .setClientSoftwareVersion("1");
        int size = header.size((short) 2) + body.size(V3);
        ByteBuf buf = Unpooled.buffer(4 + size);
        buf.writeInt(size);
        header.write(buf, (short) 2);
        body.write(buf, V3);
        out.write(buf.array(), buf.arrayOffset(), buf.readableBytes());
        out.flush();
    }

    /** Reads one ApiVersions v3 response; returns {correlation id, error code}. */
    int[] readApiVersions() throws IOException {
        int size = in.readInt();
        byte[] bytes = new byte[size];
        in.readFully(bytes);
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        ResponseHeader header = new ResponseHeader();
        header.read(buf, (short) 0); // ApiVersions responses always use header v0 (KIP-511)
        ApiVersionsResponse resp = new ApiVersionsResponse();
        resp.read(buf, V3);
        return new int[] {header.correlationId(), resp.errorCode()};
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
