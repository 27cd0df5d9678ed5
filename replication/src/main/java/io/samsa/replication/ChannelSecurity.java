package io.samsa.replication;

import io.netty.channel.Channel;

/**
 * How {@link NettyBrokerChannel} secures a connection: {@link #PLAINTEXT} adds nothing; the server's TLS puts an
 * {@code SslHandler} first in the pipeline ({@link #secure}, before the framing handlers), and its SASL puts a
 * {@link SaslClientHandler} after the frame decoder ({@link #authenticate}). Called on the connection's event loop,
 * once per connection; must not block.
 */
@FunctionalInterface
public interface ChannelSecurity {
    /** No security: frames go over the socket as they are. */
    ChannelSecurity PLAINTEXT = (ch, host, port) -> { };

    /** Adds what secures {@code ch}, a connection to {@code host:port}, to the front of its pipeline. */
    void secure(Channel ch, String host, int port);

    /**
     * Adds what authenticates {@code ch} once its frames are decoded (after the frame decoder, before the channel's
     * own response handler): the SASL exchange. Nothing by default.
     */
    default void authenticate(Channel ch, String host, int port) {
    }
}
