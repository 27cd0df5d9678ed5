package io.samsa.server.security.sasl;

import io.netty.channel.Channel;
import io.samsa.metadata.ScramMechanism;
import io.samsa.replication.ChannelSecurity;
import io.samsa.replication.SaslClientExchange;
import io.samsa.replication.SaslClientHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client side of a SASL listener, for the broker's own connections to it on other nodes (replica fetchers,
 * forwarding, Raft, the broker-to-controller clients): the TLS of a SASL_SSL listener (or nothing for
 * SASL_PLAINTEXT), then the SASL exchange of {@link SaslClientHandler} with the node's login
 * ({@link SaslConfigs#clientLogin}).
 *
 * <p>Thread-safe: {@link #secure} and {@link #authenticate} run on event loops, one exchange per connection; SCRAM's
 * salted password is computed on the hashing executor, not on them.
 */
public final class ClientSasl implements ChannelSecurity {
    private final ChannelSecurity transport;
    private final ClientLogin login;
    private final String clientId;
    private final AtomicReference<ScramClientExchange.Salted> salted = new AtomicReference<>();
    private final Executor hashing;

    /**
     * @param transport what secures the connection below SASL: TLS for SASL_SSL, {@link ChannelSecurity#PLAINTEXT}
     * @param login     the mechanism and credentials
     * @param clientId  the client id of the SASL requests
     */
    public ClientSasl(ChannelSecurity transport, ClientLogin login, String clientId) {
        this(transport, login, clientId, ScramHashing.executor());
    }

    /** @param hashing where SCRAM's salted password is computed, off the event loops ({@link ScramHashing}) */
    public ClientSasl(ChannelSecurity transport, ClientLogin login, String clientId, Executor hashing) {
        this.transport = transport;
        this.login = login;
        this.clientId = clientId;
        this.hashing = hashing;
    }

    @Override
    public void secure(Channel ch, String host, int port) {
        transport.secure(ch, host, port);
    }

    @Override
    public void authenticate(Channel ch, String host, int port) {
        ch.pipeline().addLast("sasl-client", new SaslClientHandler(exchange(), clientId, host + ":" + port));
    }

    /** A fresh exchange of the login's mechanism. */
    SaslClientExchange exchange() {
        if (login.mechanism().equals(PlainExchange.MECHANISM)) {
            return new PlainClientExchange(login.username(), login.password());
        }
        return new ScramClientExchange(ScramMechanism.forSaslName(login.mechanism()), login.username(),
                login.password(), salted, hashing);
    }

    public ClientLogin login() {
        return login;
    }

    /**
     * The node's login to a SASL listener: the mechanism from {@code sasl.mechanism.inter.broker.protocol} or
     * {@code sasl.mechanism.controller.protocol}, the user and password from the listener's JAAS config.
     */
    public record ClientLogin(String listener, String mechanism, String username, String password) {
        @Override
        public String toString() {
            return "ClientLogin[listener=" + listener + ", mechanism=" + mechanism + ", username=" + username + "]";
        }
    }
}
