package io.samsa.server.security.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.samsa.replication.ChannelSecurity;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of an SSL listener, for the broker's own connections to it on other nodes (replica fetchers,
 * forwarding, Raft, the broker-to-controller clients): trusts the listener's trust store, presents its key store
 * as the client certificate, and verifies the host name unless {@code ssl.endpoint.identification.algorithm} is
 * empty. A failed handshake is logged and closes the connection; the channel then fails its requests as for any
 * lost connection.
 *
 * <p>Thread-safe: {@link #secure} runs on event loops.
 */
public final class ClientTls implements ChannelSecurity {
    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);

    private final SslSettings settings;
    private final SslContext context;
    private final long handshakeTimeoutMs;

    private ClientTls(SslSettings settings, SslContext context, long handshakeTimeoutMs) {
        this.settings = settings;
        this.context = context;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
    }

    /** The client side of {@code listener} from the broker's keys {@code props}. */
    public static ClientTls create(Map<String, String> props, String listener, long handshakeTimeoutMs)
            throws GeneralSecurityException, IOException {
        SslSettings s = SslSettings.of(props, listener);
        return new ClientTls(s, SslContexts.client(s), handshakeTimeoutMs);
    }

    @Override
    public void secure(Channel ch, String host, int port) {
        SslHandler h = context.newHandler(ch.alloc(), host, port);
        h.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        if (settings.verifiesHostname()) {
            SSLEngine engine = h.engine();
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
        }
        ch.pipeline().addLast("ssl", h).addLast("ssl-events", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                    log.warn("TLS handshake with {}:{} on listener {} failed: {}", host, port,
                            settings.listenerName(), String.valueOf(done.cause()));
                }
                super.userEventTriggered(ctx, evt);
            }
        });
    }
}
