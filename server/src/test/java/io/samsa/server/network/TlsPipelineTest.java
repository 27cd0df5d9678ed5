package io.samsa.server.network;

import static io.samsa.server.network.EmbeddedLink.API_VERSIONS;
import static io.samsa.server.network.EmbeddedLink.apiVersionsV0;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.Principal;
import io.samsa.server.security.tls.ClientTls;
import io.samsa.server.security.tls.ListenerTls;
import io.samsa.server.security.tls.TestCertificates;
import io.samsa.wire.frame.FrameDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import io.samsa.server.network.EmbeddedLink.Connection;

/**
 * An SSL listener's pipeline ({@link SamsaServer#secure}) against the broker's own TLS client ({@link ClientTls}) in
 * embedded channels: handshakes with each store format and engine, the principal a client certificate maps to,
 * refused certificates, garbage instead of a ClientHello, and file regions (fetch's sendfile) through the engine.
 */
class TlsPipelineTest {

    private final List<Principal> principals = new ArrayList<>();

    /** The client's end: what it decrypted, and how its handshake ended. */
    private static final class ClientEnd extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        SslHandshakeCompletionEvent handshake;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            received.writeBytes(bytes);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                handshake = e;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static Map<String, String> serverProps(String type, String provider) throws Exception {
        TestCertificates c = TestCertificates.get();
        Map<String, String> p = new HashMap<>();
        if (type.equals("PEM")) {
            p.put("listener.name.ssl.ssl.keystore.type", "PEM");
            p.put("listener.name.ssl.ssl.keystore.certificate.chain", c.chainPem("broker"));
            p.put("listener.name.ssl.ssl.keystore.key", c.keyPem("broker"));
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.certificates", c.caPem("ca"));
        } else {
            p.putAll(c.brokerStores(type));
        }
        p.put("ssl.provider", provider);
        return p;
    }

    private static Map<String, String> clientProps(String keyStore, String trustStore) throws Exception {
        TestCertificates c = TestCertificates.get();
        Map<String, String> p = new HashMap<>();
        if (keyStore != null) {
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.keystore.location", c.keyStore(keyStore, "PKCS12").toString());
            p.put("ssl.keystore.password", TestCertificates.PASSWORD);
        }
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", c.keyStore(trustStore, "PKCS12").toString());
        p.put("ssl.truststore.password", TestCertificates.PASSWORD);
        return p;
    }

    private Connection server(ListenerTls tls) {
        SupportedApis apis = SupportedApis.builder().add(API_VERSIONS, 0, 0, (ctx, request, sink) -> {
            principals.add(ctx.principal());
            sink.sendNothing();
        }).build();
        return new Connection(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                SamsaServer.secure(ch, tls);
                ch.pipeline().addLast(new FrameDecoder(1 << 20))
                        .addLast(new ConnectionHandler(apis, new RequestDecoder(), "SSL"));
            }
        });
    }

    private static Connection client(ClientTls tls, ClientEnd end) {
        return new Connection(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                tls.secure(ch, "localhost", 9093);
                ch.pipeline().addLast(end);
            }
        });
    }

    /** Moves bytes both ways until neither side has more to send; only encrypted bytes leave an SSL listener. */
    private static void pump(EmbeddedChannel client, EmbeddedChannel server) {
        EmbeddedLink.pump(client, server, o -> assertInstanceOf(ByteBuf.class, o,
                "only encrypted bytes leave an SSL listener"));
    }

    @ParameterizedTest
    @CsvSource({"JKS,JDK", "PKCS12,JDK", "PEM,JDK", "JKS,OPENSSL", "PKCS12,OPENSSL", "PEM,OPENSSL"})
    void mutualTlsMapsTheClientCertificateToItsPrincipal(String type, String provider) throws Exception {
        Map<String, String> props = serverProps(type, provider);
        props.put("ssl.client.auth", "required");
        props.put("ssl.principal.mapping.rules", "RULE:^CN=(.*?),OU=(.*?),.*$/$1-$2/U,DEFAULT");
        ListenerTls tls = ListenerTls.create(props, "SSL", 10_000);
        ClientEnd end = new ClientEnd();
        Connection server = server(tls);
        Connection client = client(ClientTls.create(clientProps("client", "truststore"), "SSL", 10_000), end);

        client.writeAndFlush(apiVersionsV0(1));
        pump(client, server);

        assertNotNull(end.handshake);
        assertTrue(end.handshake.isSuccess(), String.valueOf(end.handshake.cause()));
        assertEquals(List.of(Principal.user("ALICE-ENG")), principals);
        assertTrue(server.isActive());
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void withoutAClientCertificateTheConnectionIsAnonymous() throws Exception {
        Map<String, String> props = serverProps("PKCS12", "JDK");
        props.put("ssl.client.auth", "requested");
        ClientEnd end = new ClientEnd();
        Connection server = server(ListenerTls.create(props, "SSL", 10_000));
        Connection client = client(ClientTls.create(clientProps(null, "truststore"), "SSL", 10_000), end);

        client.writeAndFlush(apiVersionsV0(1));
        pump(client, server);

        assertTrue(end.handshake.isSuccess(), String.valueOf(end.handshake.cause()));
        assertEquals(List.of(Principal.ANONYMOUS), principals);
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @ParameterizedTest
    @CsvSource({"JDK", "OPENSSL"})
    void aClientOfAnotherCaIsRefusedWhenCertificatesAreRequired(String provider) throws Exception {
        Map<String, String> props = serverProps("PKCS12", provider);
        props.put("ssl.client.auth", "required");
        ClientEnd end = new ClientEnd();
        Connection server = server(ListenerTls.create(props, "SSL", 10_000));
        Connection client = client(ClientTls.create(clientProps("stranger", "truststore"), "SSL", 10_000), end);

        client.writeAndFlush(apiVersionsV0(1));
        pump(client, server);

        assertFalse(server.isActive(), "the broker closed the connection");
        assertEquals(List.of(), principals, "no request reached a handler");
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void theBrokersClientRefusesAServerItDoesNotTrust() throws Exception {
        ClientEnd end = new ClientEnd();
        Connection server = server(ListenerTls.create(serverProps("PKCS12", "JDK"), "SSL", 10_000));
        Connection client = client(ClientTls.create(clientProps(null, "wrong-truststore"), "SSL", 10_000), end);

        client.writeAndFlush(apiVersionsV0(1));
        pump(client, server);

        assertNotNull(end.handshake);
        assertFalse(end.handshake.isSuccess());
        assertEquals(List.of(), principals);
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void garbageInsteadOfAClientHelloClosesTheConnection() throws Exception {
        Connection server = server(ListenerTls.create(serverProps("JKS", "OPENSSL"), "SSL", 10_000));
        // A plaintext Kafka request where a TLS record should be.
        server.writeInbound(apiVersionsV0(1));
        server.runPendingTasks();
        assertFalse(server.isActive());
        assertEquals(List.of(), principals);
        server.finishAndReleaseAll();
    }

    @ParameterizedTest
    @CsvSource({"JDK", "OPENSSL"})
    void fileRegionsAreCopiedThroughTheEngine(String provider) throws Exception {
        byte[] data = new byte[3 * RegionChunks.CHUNK_BYTES + 1234];
        new Random(16).nextBytes(data);
        Path file = Files.createTempFile("samsa-region", ".log");
        Files.write(file, data);
        ClientEnd end = new ClientEnd();
        Connection server = server(ListenerTls.create(serverProps("PKCS12", provider), "SSL", 10_000));
        Connection client = client(ClientTls.create(clientProps(null, "truststore"), "SSL", 10_000), end);
        pump(client, server);
        assertTrue(end.handshake.isSuccess(), String.valueOf(end.handshake.cause()));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Region region = new Region(ch, 100, data.length - 100);
            server.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            server.writeAndFlush(region);
            pump(client, server);
            byte[] got = end.received.toByteArray();
            byte[] want = new byte[3 + data.length - 100];
            want[0] = 1;
            want[1] = 2;
            want[2] = 3;
            System.arraycopy(data, 100, want, 3, data.length - 100);
            assertArrayEquals(want, got);
            assertEquals(0, region.refCnt(), "the region was released once written");
            assertTrue(ch.isOpen(), "the segment's file stays open");
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
            Files.delete(file);
        }
    }

    /** A region over a file the test owns, as the fetch path's segment regions are. */
    private static final class Region extends DefaultFileRegion implements ResponseEncoder.FileBackedRegion {
        private final FileChannel file;

        Region(FileChannel file, long position, long count) {
            super(file, position, count);
            this.file = file;
        }

        @Override
        public FileChannel file() {
            return file;
        }

        @Override
        protected void deallocate() {
            // the test closes the file
        }
    }
}
