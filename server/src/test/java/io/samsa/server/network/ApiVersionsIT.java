package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.server.EmbeddedBroker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ApiVersions over a real socket, encoded and decoded by the official client's classes. */
class ApiVersionsIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start();
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    @Test
    void answersEveryVersionWithTheServedRanges() throws IOException {
        for (short v = 0; v <= 4; v++) {
            try (Socket s = new Socket("127.0.0.1", broker.port())) {
                ApiVersionsRequestData req = new ApiVersionsRequestData();
                if (v >= 3) {
                    req.setClientSoftwareName("samsa-test").setClientSoftwareVersion("1.0");
                }
                ByteBuffer resp = roundTrip(s, (short) 18, v, 7 + v, req, v >= 3 ? (short) 2 : (short) 1);
                assertEquals(7 + v, resp.getInt(), "correlation id");
                ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(resp), v);
                assertEquals(0, data.errorCode());
                ApiVersionsResponseData.ApiVersion av = data.apiKeys().find((short) 18);
                assertEquals(0, av.minVersion());
                assertEquals(4, av.maxVersion());
            }
        }
    }

    @Test
    void tooNewApiVersionsGetsUnsupportedVersionAtV0() throws IOException {
        try (Socket s = new Socket("127.0.0.1", broker.port())) {
            ApiVersionsRequestData req = new ApiVersionsRequestData()
                    .setClientSoftwareName("x").setClientSoftwareVersion("1");
            // A client newer than the broker: version 9 in the header (body laid out as v3).
            ByteBuffer resp = roundTrip(s, (short) 18, (short) 9, (short) 3, 99, req, (short) 2);
            assertEquals(99, resp.getInt());
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(resp), (short) 0);
            assertEquals(35, data.errorCode(), "UNSUPPORTED_VERSION");
            assertEquals(4, data.apiKeys().find((short) 18).maxVersion());
        }
    }

    static ByteBuffer roundTrip(Socket s, short apiKey, short version, int correlationId,
                                org.apache.kafka.common.protocol.Message body, short headerVersion)
            throws IOException {
        return roundTrip(s, apiKey, version, version, correlationId, body, headerVersion);
    }

    static ByteBuffer roundTrip(Socket s, short apiKey, short headerApiVersion, short version, int correlationId,
                                org.apache.kafka.common.protocol.Message body, short headerVersion)
            throws IOException {
        ByteBuffer buf = frame(apiKey, headerApiVersion, version, correlationId, body, headerVersion);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.write(buf.array());
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        int size = in.readInt();
        byte[] resp = new byte[size];
        in.readFully(resp);
        return ByteBuffer.wrap(resp);
    }

    /** A size-prefixed request frame encoded by the official client's classes. */
    static ByteBuffer frame(short apiKey, short version, int correlationId,
                            org.apache.kafka.common.protocol.Message body, short headerVersion) {
        return frame(apiKey, version, version, correlationId, body, headerVersion);
    }

    static ByteBuffer frame(short apiKey, short headerApiVersion, short version, int correlationId,
                            org.apache.kafka.common.protocol.Message body, short headerVersion) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(apiKey)
                .setRequestApiVersion(headerApiVersion)
                .setCorrelationId(correlationId).setClientId("test");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int hs = header.size(cache, headerVersion);
        int bs = body.size(cache, version);
        ByteBuffer buf = ByteBuffer.allocate(4 + hs + bs);
        buf.putInt(hs + bs);
        ByteBufferAccessor acc = new ByteBufferAccessor(buf);
        header.write(acc, cache, headerVersion);
        body.write(acc, cache, version);
        return buf;
    }
}
