package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.AllocationBound;
import io.samsa.server.security.Principal;
import io.samsa.server.security.sasl.IllegalSaslStateHandler;
import io.samsa.server.security.sasl.SaslAuthenticator;
import io.samsa.server.security.sasl.SaslListener;
import io.samsa.wire.frame.FrameDecoder;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.ProduceResponse;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes a SASL listener's connection before authentication: arbitrary bytes from the client, split into arbitrary
 * reads, through the frame decoder and the connection handler with its {@link SaslAuthenticator} (SaslHandshake v0
 * and v1, SaslAuthenticate, raw tokens after a v0 handshake, PLAIN and SCRAM-SHA-256). Whatever the bytes: nothing
 * escapes the pipeline, every buffer is released, the broker allocates in proportion to the input, every response
 * is a well-formed frame, and a request other than ApiVersions, SaslHandshake and SaslAuthenticate reaches its
 * handler only as the user who authenticated with the right password (never as {@code ANONYMOUS}).
 *
 * <p>Input: byte 0 is the size of each read (0: one read of everything), the rest is what the client sends. {@code mvn
 * verify} replays the corpus in {@code src/test/resources/io/samsa/server/network/SaslGateFuzzTestInputs/}; to fuzz
 * for real: {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=SaslGateFuzzTest#clientBytes}.
 */
class SaslGateFuzzTest {
    /** sasl.server.max.receive.size, small so that the fuzzer meets it. */
    private static final int MAX_RECEIVE = 4096;
    private static final int MAX_REQUEST = 1 << 20;
    private static final Principal ALICE = Principal.user("alice");
    private static final ScramCredentialData ALICE_SCRAM = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_256,
            "alice-secret", "fuzz-salt".getBytes(StandardCharsets.UTF_8), ScramMechanism.MIN_ITERATIONS);
    private static final SaslListener LISTENER = new SaslListener("SASL_PLAINTEXT",
            List.of("PLAIN", "SCRAM-SHA-256"), Map.of("alice", "alice-secret"),
            (m, u) -> m == ScramMechanism.SCRAM_SHA_256 && u.equals("alice") ? ALICE_SCRAM : null, 0, MAX_RECEIVE);

    static {
        // A refused connection is an INFO line (per connection, as in production): not per fuzz iteration.
        System.setProperty("org.slf4j.simpleLogger.log.io.samsa.server.network.ConnectionHandler", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.samsa.server.security.sasl.SaslAuthenticator", "warn");
    }

    @FuzzTest(maxDuration = "10m")
    void clientBytes(byte[] data) throws Exception {
        if (data.length > 0) {
            AllocationBound.check(data.length, 16, () -> clientBytesOnce(data));
        }
    }

    private static void clientBytesOnce(byte[] data) {
        int readSize = data[0] & 0xFF;
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false, true);
        int[] served = new int[1];
        ApiHandler protectedApi = (ctx, req, sink) -> {
            assertEquals(ALICE, ctx.principal(), "API " + ctx.apiKey() + " reached its handler");
            served[0]++;
            sink.send(ctx.apiKey() == 0 ? new ProduceResponse() : new MetadataResponse());
        };
        SupportedApis apis = SupportedApis.builder()
                .add((short) 0, 3, 11, protectedApi)
                .add((short) 3, 0, 12, protectedApi)
                .add((short) 17, 0, 1, new IllegalSaslStateHandler())
                .add((short) 18, 0, 4, (ctx, req, sink) -> sink.send(new ApiVersionsResponse()))
                .add((short) 36, 0, 2, new IllegalSaslStateHandler())
                .build();
        EmbeddedChannel channel = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.config().setAllocator(alloc);
                ch.pipeline().addLast("frames", new FrameDecoder(MAX_REQUEST))
                        .addLast("requests", new ConnectionHandler(apis, new RequestDecoder(), "SASL_PLAINTEXT",
                                new SaslAuthenticator(LISTENER, "fuzz"), MAX_REQUEST, null));
            }
        }) {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 40000);
            }
        };
        int pos = 1;
        while (pos < data.length && channel.isOpen()) {
            int n = readSize == 0 ? data.length - pos : Math.min(readSize, data.length - pos);
            channel.writeInbound(alloc.heapBuffer(n).writeBytes(data, pos, n));
            pos += n;
            drainResponses(channel);
        }
        channel.finishAndReleaseAll();
        assertEquals(0, alloc.metric().usedHeapMemory(), "every buffer was released");
        assertTrue(served[0] <= data.length);
    }

    /** Checks and releases what the broker wrote: each a frame whose size prefix is its length. */
    private static void drainResponses(EmbeddedChannel channel) {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            try {
                if (out instanceof ByteBuf b && b.readableBytes() > 0) {
                    assertEquals(b.readableBytes() - 4, b.getInt(b.readerIndex()), "a response frame's size");
                }
            } finally {
                ReferenceCountUtil.release(out);
            }
        }
    }
}
