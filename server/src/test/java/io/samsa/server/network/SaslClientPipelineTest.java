package io.samsa.server.network;

import static io.samsa.server.network.EmbeddedLink.API_VERSIONS;
import static io.samsa.server.network.EmbeddedLink.apiVersionsV0;
import static io.samsa.server.network.EmbeddedLink.pump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.replication.ChannelSecurity;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.Principal;
import io.samsa.server.security.sasl.ClientSasl;
import io.samsa.server.security.sasl.IllegalSaslStateHandler;
import io.samsa.server.security.sasl.SaslAuthenticator;
import io.samsa.server.security.sasl.SaslListener;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.frame.FrameDecoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import io.samsa.server.network.EmbeddedLink.Connection;

/**
 * The broker's own SASL client ({@link ClientSasl} and its {@code SaslClientHandler}) against a SASL listener's
 * connection ({@link ConnectionHandler} with {@link SaslAuthenticator}) in embedded channels: PLAIN and SCRAM log
 * in and the request written before the exchange reaches the server after it, as the logged-in user; a wrong
 * password or a mechanism the listener does not enable fails the connection with the server's error.
 */
class SaslClientPipelineTest {

    private final List<Principal> principals = new ArrayList<>();
    private final ScramCredentialData scram = ScramCredentialData.random(ScramMechanism.SCRAM_SHA_512, "b-secret",
            4096);

    /** The client's end: the frames that passed the SASL handler, and the error it failed with. */
    private static final class ClientEnd extends ChannelInboundHandlerAdapter {
        int frames;
        Throwable failure;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            frames++;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }
    }

    private Connection server(List<String> mechanisms) {
        SaslListener listener = new SaslListener("SASL_PLAINTEXT", mechanisms, Map.of("broker", "b-secret"),
                (m, u) -> m == ScramMechanism.SCRAM_SHA_512 && u.equals("broker") ? scram : null, 0, 524288);
        SupportedApis apis = SupportedApis.builder().add(API_VERSIONS, 0, 0, (ctx, request, sink) -> {
            principals.add(ctx.principal());
            sink.sendNothing();
        }).add((short) 17, 0, 1, new IllegalSaslStateHandler()).add((short) 36, 0, 2, new IllegalSaslStateHandler())
                .build();
        return new Connection(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new FrameDecoder(1 << 20)).addLast(new ConnectionHandler(apis,
                        new RequestDecoder(), "SASL_PLAINTEXT", new SaslAuthenticator(listener, "test"), 1 << 20,
                        null));
            }
        });
    }

    /** The SCRAM hashing "thread": a queue the test runs by hand, so that nothing hashes on the event loop. */
    private final ArrayDeque<Runnable> hashing = new ArrayDeque<>();

    private Connection client(String mechanism, String password, ClientEnd end) {
        ClientSasl sasl = new ClientSasl(ChannelSecurity.PLAINTEXT,
                new ClientSasl.ClientLogin("SASL_PLAINTEXT", mechanism, "broker", password), "samsa-node-1",
                hashing::add);
        return new Connection(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                sasl.secure(ch, "localhost", 9094);
                ch.pipeline().addLast(new FrameDecoder(FrameDecoder.MIN_RESPONSE_FRAME_SIZE, 1 << 20));
                sasl.authenticate(ch, "localhost", 9094);
                ch.pipeline().addLast(end);
            }
        });
    }

    /**
     * Pumps until the exchange waits for the salted password, which SCRAM must hand to the hashing executor (the
     * event loops only pump), computes it there, and pumps the rest.
     */
    private void pumpAndHash(Connection client, Connection server, boolean scram) {
        pump(client, server);
        if (scram) {
            assertEquals(1, hashing.size(), "SCRAM's salted password is computed off the event loop");
            hashing.poll().run();
            // The exchange resumes on the client's event loop.
            client.runPendingTasks();
            pump(client, server);
        }
        assertTrue(hashing.isEmpty());
    }

    private void logsInAndSendsTheHeldRequestAfter(String mechanism) {
        ClientEnd end = new ClientEnd();
        Connection server = server(List.of("PLAIN", "SCRAM-SHA-512"));
        Connection client = client(mechanism, "b-secret", end);
        ChannelFuture held = client.writeAndFlush(apiVersionsV0(0));
        assertFalse(held.isDone(), "the request waits for the exchange");
        pumpAndHash(client, server, mechanism.startsWith("SCRAM"));
        assertNull(end.failure);
        assertTrue(held.isSuccess());
        assertEquals(List.of(new Principal("User", "broker")), principals);
        assertNull(client.pipeline().get("sasl-client"), "the handler leaves once authenticated");
        assertEquals(0, end.frames, "no SASL answer passes the handler");
        assertTrue(client.isActive() && server.isActive());
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void plainLogsInAndTheHeldRequestGoesOutAfter() {
        logsInAndSendsTheHeldRequestAfter("PLAIN");
    }

    @Test
    void scramLogsInAndTheHeldRequestGoesOutAfter() {
        logsInAndSendsTheHeldRequestAfter("SCRAM-SHA-512");
    }

    private void refused(List<String> enabled, String mechanism, String password, ErrorCode expected,
                         String messagePart) {
        ClientEnd end = new ClientEnd();
        Connection server = server(enabled);
        Connection client = client(mechanism, password, end);
        ChannelFuture held = client.writeAndFlush(apiVersionsV0(0));
        pumpAndHash(client, server, mechanism.startsWith("SCRAM"));
        SamsaException e = assertInstanceOf(SamsaException.class, end.failure);
        assertEquals(expected, e.errorCode());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertTrue(e.getMessage().contains("localhost:9094"), e.getMessage());
        assertFalse(held.isSuccess(), "the held request fails");
        assertFalse(client.isActive(), "the connection is closed");
        assertEquals(List.of(), principals);
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }

    @Test
    void aWrongPlainPasswordFailsWithTheServersMessage() {
        refused(List.of("PLAIN"), "PLAIN", "wrong", ErrorCode.SASL_AUTHENTICATION_FAILED,
                "Invalid username or password");
    }

    @Test
    void aWrongScramPasswordFails() {
        refused(List.of("SCRAM-SHA-512"), "SCRAM-SHA-512", "wrong", ErrorCode.SASL_AUTHENTICATION_FAILED,
                "invalid credentials");
    }

    @Test
    void aMechanismTheListenerDoesNotEnableFails() {
        refused(List.of("SCRAM-SHA-512"), "PLAIN", "b-secret", ErrorCode.UNSUPPORTED_SASL_MECHANISM,
                "[SCRAM-SHA-512]");
    }
}
