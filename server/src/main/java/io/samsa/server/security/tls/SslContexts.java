package io.samsa.server.security.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.Security;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds Netty {@link SslContext}s from {@link SslSettings}: the server side of a listener, and the client side the
 * broker uses to reach other brokers and the controllers on that listener.
 *
 * <p>The engine: OpenSSL (BoringSSL, netty-tcnative) when it loads and {@code ssl.provider} is unset or
 * {@code OPENSSL}; the JDK's otherwise ({@code ssl.provider=JDK}, or a JCA provider's name such as
 * {@code SunJSSE}). {@code ssl.provider=OPENSSL} without OpenSSL fails rather than fall back silently.
 *
 * <p>Stateless; reads key stores (blocking): not on an event loop.
 */
public final class SslContexts {
    private SslContexts() {
    }

    /** The engine {@code s} selects on this machine. */
    public static SslProvider engine(SslSettings s) throws SSLException {
        String p = s.provider() == null ? "" : s.provider().trim();
        if (p.isEmpty()) {
            return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        }
        if (p.equalsIgnoreCase("OPENSSL")) {
            if (!OpenSsl.isAvailable()) {
                throw new SSLException("ssl.provider=OPENSSL but OpenSSL is not available: "
                        + OpenSsl.unavailabilityCause());
            }
            return SslProvider.OPENSSL;
        }
        return SslProvider.JDK;
    }

    /** The server side of {@code s}'s listener: its key store, its trust store and client authentication. */
    public static SslContext server(SslSettings s) throws GeneralSecurityException, IOException {
        KeyManagerFactory kmf = KeyMaterial.keyManagers(s);
        if (kmf == null) {
            throw new GeneralSecurityException("SSL listener " + s.listenerName() + " has no key store: set "
                    + SslSettings.listenerPrefix(s.listenerName()) + SslSettings.KEYSTORE_LOCATION + " or "
                    + SslSettings.KEYSTORE_LOCATION);
        }
        SslContextBuilder b = SslContextBuilder.forServer(kmf)
                .trustManager(KeyMaterial.trustManagers(s))
                .clientAuth(switch (s.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUESTED -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        return common(b, s).build();
    }

    /**
     * The client side for connections to {@code s}'s listener on other nodes: trusts its trust store, presents its
     * key store (if any) as the client certificate. Host name verification is the caller's, on the engine.
     */
    public static SslContext client(SslSettings s) throws GeneralSecurityException, IOException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .keyManager(KeyMaterial.keyManagers(s))
                .trustManager(KeyMaterial.trustManagers(s));
        return common(b, s).build();
    }

    private static SslContextBuilder common(SslContextBuilder b, SslSettings s) throws SSLException {
        SslProvider engine = engine(s);
        b.sslProvider(engine).protocols(s.enabledProtocols().toArray(new String[0]))
                .applicationProtocolConfig(ApplicationProtocolConfig.DISABLED);
        if (!s.cipherSuites().isEmpty()) {
            b.ciphers(s.cipherSuites());
        }
        if (engine == SslProvider.JDK && s.provider() != null && !s.provider().isBlank()
                && !s.provider().trim().toUpperCase(Locale.ROOT).equals("JDK")) {
            Provider jca = Security.getProvider(s.provider().trim());
            if (jca == null) {
                throw new SSLException("Unknown ssl.provider " + s.provider() + ": neither OPENSSL, JDK nor a "
                        + "security provider of this JVM");
            }
            b.sslContextProvider(jca);
        }
        return b;
    }
}
