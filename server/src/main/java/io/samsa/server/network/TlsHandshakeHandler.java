package io.samsa.server.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.samsa.server.security.Principal;
import io.samsa.server.security.tls.ListenerTls;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SSL listener's connection, after its {@code SslHandler}: once the handshake completes, tells the
 * {@link ConnectionHandler} who the client is (its certificate's subject through {@code ssl.principal.mapping.rules},
 * else ANONYMOUS). A failed handshake (garbage instead of a ClientHello, an untrusted certificate, the handshake
 * timeout) closes the connection with a DEBUG line: a client that cannot speak TLS is not the operator's problem,
 * and hostile input must not flood the log.
 *
 * <p>Not thread-safe: the connection's event loop.
 */
final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeHandler.class);

    private final ListenerTls tls;

    TlsHandshakeHandler(ListenerTls tls) {
        this.tls = tls;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                log.debug("TLS handshake from {} on listener {} failed: {}", ctx.channel().remoteAddress(),
                        tls.listenerName(), String.valueOf(done.cause()));
                ctx.close();
                return;
            }
            Principal principal;
            try {
                principal = tls.principal(ctx.pipeline().get(SslHandler.class).engine().getSession());
            } catch (IllegalArgumentException e) {
                log.info("Closing the TLS connection from {} on listener {}: {}", ctx.channel().remoteAddress(),
                        tls.listenerName(), e.getMessage());
                ctx.close();
                return;
            }
            ConnectionHandler requests = ctx.pipeline().get(ConnectionHandler.class);
            if (requests != null) {
                requests.authenticated(principal);
            }
            log.debug("TLS connection from {} on listener {} authenticated as {}", ctx.channel().remoteAddress(),
                    tls.listenerName(), principal);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SSLException) {
            log.debug("Closing the TLS connection from {} on listener {}: {}", ctx.channel().remoteAddress(),
                    tls.listenerName(), root.toString());
            ctx.close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }
}
