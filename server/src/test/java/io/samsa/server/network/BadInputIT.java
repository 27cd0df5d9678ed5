package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.server.EmbeddedBroker;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile input over real sockets: each case gets the protocol's answer or a closed connection, the
 * broker's buffers stay bounded, and other clients carry on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputIT {
    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedBroker.start(Map.of("max.connections", "300", "connections.max.idle.ms", "1500"));
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", broker.port());
        s.setSoTimeout(10_000);
        return s;
    }

    /** True when the broker closes the connection (EOF or reset) rather than answering. */
    private static boolean closedByBroker(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return in.read() == -1;
        } catch (SocketException e) {
            return true;
        }
    }

    /** A normal ApiVersions round trip still works. */
    private static void assertHealthy() throws IOException {
        try (Socket s = connect()) {
            ApiVersionsRequestData req = new ApiVersionsRequestData().setClientSoftwareName("healthy")
                    .setClientSoftwareVersion("1");
            ByteBuffer resp = ApiVersionsIT.roundTrip(s, (short) 18, (short) 3, 1, req, (short) 2);
            assertEquals(1, resp.getInt());
            assertEquals(0, new ApiVersionsResponseData(new ByteBufferAccessor(resp), (short) 3).errorCode());
        }
    }

    private static void send(Socket s, byte[] bytes) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.write(bytes);
        out.flush();
    }

    private static long usedDirect() {
        return PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()
                + PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory();
    }

    @Test
    void garbageClosesTheConnection() throws IOException {
        Random r = new Random(42);
        for (int i = 0; i < 20; i++) {
            try (Socket s = connect()) {
                byte[] junk = new byte[8 + r.nextInt(200)];
                r.nextBytes(junk);
                // A plausible size prefix so the frame is decoded, then garbage for header and body.
                ByteBuffer.wrap(junk).putInt(junk.length - 4);
                send(s, junk);
                assertTrue(closedByBroker(s), "garbage frame " + i);
            }
        }
        assertHealthy();
    }

    @Test
    void hugeAndNegativeSizePrefixesCloseBeforeAllocating() throws IOException {
        long before = usedDirect();
        for (int size : new int[] {Integer.MAX_VALUE, 104857601, -1, Integer.MIN_VALUE, 0, 3}) {
            try (Socket s = connect()) {
                send(s, ByteBuffer.allocate(14).putInt(size).putShort((short) 18).putShort((short) 0)
                        .putInt(7).putShort((short) 0).array());
                assertTrue(closedByBroker(s), "size " + size);
            }
        }
        // Nothing near the declared sizes was allocated (pooled arenas grow in 4-16 MiB chunks at most).
        assertTrue(usedDirect() - before < 64L << 20, "allocator grew by " + (usedDirect() - before));
        assertHealthy();
    }

    @Test
    void truncatedFrameHoldsOnlyWhatArrived() throws IOException {
        long before = usedDirect();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = connect();
                sockets.add(s);
                // Declares 100 MiB - 1 and sends 10 bytes of it.
                send(s, ByteBuffer.allocate(14).putInt(104857599).putShort((short) 3).putShort((short) 12)
                        .putInt(i).putShort((short) -1).array());
            }
            assertHealthy();
            assertTrue(usedDirect() - before < 64L << 20, "allocator grew by " + (usedDirect() - before));
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertHealthy();
    }

    @Test
    void unknownApiKeyAndUnsupportedVersionsCloseTheConnection() throws IOException {
        for (short[] kv : new short[][] {{999, 0}, {-5, 0}, {3, 99}, {0, 0}, {1, 0}}) {
            try (Socket s = connect()) {
                // Produce v0-2 and Fetch v0-3 (pre-RecordBatch v2) are not served either.
                send(s, ByteBuffer.allocate(14).putInt(10).putShort(kv[0]).putShort(kv[1]).putInt(5)
                        .putShort((short) -1).array());
                assertTrue(closedByBroker(s), "api " + kv[0] + " v" + kv[1]);
            }
        }
        assertHealthy();
    }

    @Test
    void hugeOrNegativeArrayLengthsCloseTheConnection() throws IOException {
        for (int len : new int[] {Integer.MAX_VALUE, 1_000_000, -7}) {
            try (Socket s = connect()) {
                // Metadata v4 header (v1) then a topics array with a bogus length and no elements.
                ByteBuffer b = ByteBuffer.allocate(4 + 10 + 4 + 1);
                b.putInt(10 + 4 + 1).putShort((short) 3).putShort((short) 4).putInt(9).putShort((short) -1)
                        .putInt(len).put((byte) 1);
                send(s, b.array());
                assertTrue(closedByBroker(s), "array length " + len);
            }
        }
        assertHealthy();
    }

    @Test
    void validRequestAfterTruncatedBodyOnAnotherConnectionIsAnswered() throws IOException {
        try (Socket bad = connect(); Socket good = connect()) {
            MetadataRequestData md = new MetadataRequestData().setTopics(null);
            // Half a request on one connection...
            send(bad, ByteBuffer.allocate(8).putInt(40).putShort((short) 3).putShort((short) 9).array());
            // ...does not hold up a full request on another.
            ByteBuffer resp = ApiVersionsIT.roundTrip(good, (short) 3, (short) 9, 77, md, (short) 2);
            assertEquals(77, resp.getInt());
        }
    }

    @Test
    void thousandsOfIdleSocketsAreBoundedAndClosed() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket s = new Socket("127.0.0.1", broker.port());
                s.setSoTimeout(10_000);
                sockets.add(s);
            }
            // max.connections=300: the rest are closed at once; the idle ones go after connections.max.idle.ms.
            int closed = 0;
            for (Socket s : sockets) {
                try {
                    if (s.getInputStream().read() == -1) {
                        closed++;
                    }
                } catch (SocketException | EOFException e) {
                    closed++;
                }
            }
            assertEquals(1000, closed, "every idle or excess connection is closed by the broker");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertHealthy();
    }

    @Test
    void responsesStayInOrderWhenPipelined() throws IOException {
        try (Socket s = connect()) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (int i = 0; i < 50; i++) {
                ApiVersionsRequestData req = new ApiVersionsRequestData();
                ByteBuffer frame = ApiVersionsIT.frame((short) 18, (short) 2, 1000 + i, req, (short) 1);
                out.write(frame.array());
            }
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int i = 0; i < 50; i++) {
                byte[] resp = new byte[in.readInt()];
                in.readFully(resp);
                assertEquals(1000 + i, ByteBuffer.wrap(resp).getInt());
            }
        }
    }
}
