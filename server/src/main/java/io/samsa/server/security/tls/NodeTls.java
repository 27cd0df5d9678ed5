package io.samsa.server.security.tls;

import io.samsa.replication.ChannelSecurity;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.Endpoint;
import io.samsa.server.security.sasl.ClientSasl;
import io.samsa.server.security.sasl.SaslConfigs;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS: the server side of each SSL listener it binds, and the client side (TLS, SASL or both) of the
 * listeners it reaches on other nodes (the inter-broker listener for replica fetchers and forwarding to other
 * brokers, the first controller listener for Raft and the broker-to-controller clients). Built at start-up: a key
 * store that cannot be read, or a SASL login that is not configured, fails the start, naming the key.
 *
 * <p>Thread-safe: built once; {@link #reload} runs off the event loops.
 */
public final class NodeTls {
    private static final Logger log = LoggerFactory.getLogger(NodeTls.class);
    /** Samsa's key: how long a TLS handshake may take before the connection is closed. */
    public static final String HANDSHAKE_TIMEOUT_MS = "samsa.ssl.handshake.timeout.ms";
    private static final String SSL = "SSL";
    /** SASL over TLS: served with the same TLS layer, the SASL exchange running inside it. */
    private static final String SASL_SSL = "SASL_SSL";

    private final BrokerConfig config;
    private final Map<String, ListenerTls> servers;
    private final Map<String, ChannelSecurity> clients = new HashMap<>();

    private NodeTls(BrokerConfig config, Map<String, ListenerTls> servers) {
        this.config = config;
        this.servers = servers;
    }

    /**
     * The TLS of {@code config}'s SSL and SASL_SSL listeners.
     *
     * @throws ConfigException naming the listener whose key or trust store cannot be read
     */
    public static NodeTls of(BrokerConfig config) {
        long timeout = config.getLong(HANDSHAKE_TIMEOUT_MS);
        Map<String, ListenerTls> servers = new LinkedHashMap<>();
        for (Endpoint e : config.listeners()) {
            if (SSL.equals(e.securityProtocol()) || SASL_SSL.equals(e.securityProtocol())) {
                try {
                    ListenerTls tls = ListenerTls.create(config.originals(), e.listenerName(), timeout);
                    servers.put(e.listenerName(), tls);
                    log.info("Listener {} serves TLS with the {} engine ({})", e.listenerName(),
                            SslContexts.engine(tls.settings()), tls.settings());
                } catch (GeneralSecurityException | IOException | IllegalArgumentException ex) {
                    throw new ConfigException(SslSettings.listenerPrefix(e.listenerName()) + "ssl.*",
                            "Cannot set up TLS on listener " + e.listenerName() + ": " + ex.getMessage());
                }
            }
        }
        NodeTls tls = new NodeTls(config, servers);
        tls.client(config.interBrokerListenerName());
        List<String> controllers = config.controllerListenerNames();
        if (!controllers.isEmpty()) {
            tls.client(controllers.get(0));
        }
        return tls;
    }

    /** The server side of {@code listener}; null when it is neither SSL nor SASL_SSL. */
    public ListenerTls server(String listener) {
        return servers.get(listener);
    }

    /**
     * How this node's clients secure connections to {@code listener} on other nodes, by its protocol in
     * {@code listener.security.protocol.map}: TLS for SSL, SASL ({@link ClientSasl}) for SASL_PLAINTEXT, both for
     * SASL_SSL, else plaintext.
     *
     * @throws ConfigException when the listener's client key or trust store cannot be read, or its SASL login is
     *     not configured ({@link SaslConfigs#clientLogin})
     */
    public synchronized ChannelSecurity client(String listener) {
        String protocol = listener == null ? null : config.securityProtocolMap().get(listener);
        boolean sasl = SaslConfigs.SASL_PLAINTEXT.equals(protocol) || SASL_SSL.equals(protocol);
        if (!SSL.equals(protocol) && !sasl) {
            return ChannelSecurity.PLAINTEXT;
        }
        ChannelSecurity c = clients.get(listener);
        if (c == null) {
            c = ChannelSecurity.PLAINTEXT;
            if (!SaslConfigs.SASL_PLAINTEXT.equals(protocol)) {
                try {
                    c = ClientTls.create(config.originals(), listener, config.getLong(HANDSHAKE_TIMEOUT_MS));
                } catch (GeneralSecurityException | IOException | IllegalArgumentException ex) {
                    throw new ConfigException(SslSettings.listenerPrefix(listener) + "ssl.*",
                            "Cannot set up the TLS client of listener " + listener + ": " + ex.getMessage());
                }
            }
            if (sasl) {
                ClientSasl.ClientLogin login = SaslConfigs.clientLogin(config, listener);
                c = new ClientSasl(c, login, "samsa-node-" + config.nodeId());
                log.info("This node's clients log in to listener {} as {} with {}", listener, login.username(),
                        login.mechanism());
            }
            clients.put(listener, c);
        }
        return c;
    }

    /**
     * Reloads the server side of every SSL listener whose reloadable keys ({@link SslSettings#RELOADABLE}, plain
     * or the listener's own) {@code dynamic} sets or changed, with {@code dynamic} laid over the static keys: new
     * connections get the new certificates; open ones keep theirs. A store that cannot be read leaves the listener
     * as it was, logged at ERROR.
     *
     * @param dynamic this broker's dynamic configs (the cluster default's under them)
     * @param changed the keys whose dynamic value was set, changed or deleted
     */
    public void reload(Map<String, String> dynamic, java.util.Set<String> changed) {
        Map<String, String> props = over(dynamic);
        for (ListenerTls tls : touched(changed)) {
            try {
                tls.reload(props);
                log.info("Listener {} reloaded its TLS key and trust stores", tls.listenerName());
            } catch (GeneralSecurityException | IOException | IllegalArgumentException ex) {
                log.error("Listener {} keeps its TLS certificates: the new ones cannot be used: {}",
                        tls.listenerName(), ex.toString());
            }
        }
    }

    /**
     * Whether every SSL listener that {@code changed} touches could be rebuilt from {@code dynamic} laid over the
     * static keys (see {@link #reload}): null when so, else why not, in the words of Kafka's refusal. Reads the stores;
     * changes nothing.
     */
    public String validate(Map<String, String> dynamic, java.util.Set<String> changed) {
        Map<String, String> props = over(dynamic);
        for (ListenerTls tls : touched(changed)) {
            try {
                ListenerTls.create(props, tls.listenerName(), 0);
            } catch (GeneralSecurityException | IOException | IllegalArgumentException ex) {
                return "Validation of dynamic config update of SSLFactory failed: listener " + tls.listenerName()
                        + ": " + ex;
            }
        }
        return null;
    }

    /** The static keys with {@code dynamic} laid over them. */
    private Map<String, String> over(Map<String, String> dynamic) {
        Map<String, String> props = new HashMap<>(config.originals());
        props.putAll(dynamic);
        return props;
    }

    /** The SSL listeners whose reloadable keys, plain or their own, are among {@code changed}. */
    private List<ListenerTls> touched(java.util.Set<String> changed) {
        return servers.values().stream().filter(tls -> SslSettings.RELOADABLE.stream().anyMatch(k ->
                changed.contains(k) || changed.contains(SslSettings.listenerPrefix(tls.listenerName()) + k)))
                .toList();
    }

    /** True when some listener serves TLS. */
    public boolean any() {
        return !servers.isEmpty();
    }
}
