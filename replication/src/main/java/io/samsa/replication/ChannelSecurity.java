package io.samsa.replication;

import io.netty.channel.Channel;

/**
 * How {@link NettyBrokerChannel} secures a connection before its frames: {@link #PLAINTEXT} adds nothing; the
 * server's TLS puts an {@code SslHandler} first in the pipeline. Called on the connection's event loop, once per
 * connection, before the framing handlers are added; must not block.
 */
@FunctionalInterface
public interface ChannelSecurity {
    /** No security: frames go over the socket as they are. */
    ChannelSecurity PLAINTEXT = (ch, host, port) -> { };

    /** Adds what secures {@code ch}, a connection to {@code host:port}, to the front of its pipeline. */
    void secure(Channel ch, String host, int port);
}
