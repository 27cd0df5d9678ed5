package io.samsa.server.security.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.samsa.server.security.Principal;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * The server side of one SSL listener: the context new connections handshake with, and the principal a connection's
 * client certificate maps to. {@link #reload} swaps the context (new certificates, new trust) for the connections that
 * open afterwards; open connections keep theirs, as in Kafka.
 *
 * <p>Thread-safe: {@link #newHandler} and {@link #principal} run on event loops and read one volatile field;
 * {@link #reload} reads files and runs off the event loops.
 */
public final class ListenerTls {
    private final String listenerName;
    private final long handshakeTimeoutMs;
    private volatile State state;

    /** What one configuration of the listener built. */
    private record State(SslSettings settings, SslContext context, SslPrincipalMapper mapper) {
    }

    private ListenerTls(String listenerName, long handshakeTimeoutMs, State state) {
        this.listenerName = listenerName;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
        this.state = state;
    }

    /**
     * Builds {@code listener}'s server context from the broker's keys {@code props}.
     *
     * @throws GeneralSecurityException or IOException when its key or trust store cannot be read
     */
    public static ListenerTls create(Map<String, String> props, String listener, long handshakeTimeoutMs)
            throws GeneralSecurityException, IOException {
        return new ListenerTls(listener, handshakeTimeoutMs, build(props, listener));
    }

    private static State build(Map<String, String> props, String listener)
            throws GeneralSecurityException, IOException {
        SslSettings s = SslSettings.of(props, listener);
        return new State(s, SslContexts.server(s), SslPrincipalMapper.parse(s.principalMappingRules()));
    }

    public String listenerName() {
        return listenerName;
    }

    /** The settings in use. */
    public SslSettings settings() {
        return state.settings();
    }

    /** A new server-side handler for an accepted connection, with the handshake timeout. */
    public SslHandler newHandler(Channel ch) {
        SslHandler h = state.context().newHandler(ch.alloc());
        h.setHandshakeTimeoutMillis(handshakeTimeoutMs);
        return h;
    }

    /**
     * The principal of a connection that completed its handshake: {@code User:<mapped subject>} for a client
     * certificate, {@link Principal#ANONYMOUS} without one.
     *
     * @throws IllegalArgumentException when no mapping rule applies to the certificate's subject
     */
    public Principal principal(SSLSession session) {
        java.security.Principal peer;
        try {
            peer = session.getPeerPrincipal();
        } catch (SSLPeerUnverifiedException e) {
            return Principal.ANONYMOUS;
        }
        String dn = peer instanceof X500Principal x500 ? x500.getName() : peer.getName();
        return Principal.user(state.mapper().map(dn));
    }

    /**
     * Rebuilds the context from {@code props} (static keys with the dynamic ones over them). On failure the current
     * context stays and the exception says why.
     */
    public void reload(Map<String, String> props) throws GeneralSecurityException, IOException {
        state = build(props, listenerName);
    }
}
