package io.samsa.server.config;

import static io.samsa.server.config.ConfigKey.atLeast;
import static io.samsa.server.config.ConfigKey.between;
import static io.samsa.server.config.ConfigKey.of;
import static io.samsa.server.config.ConfigKey.oneOf;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's static configuration, with Kafka's key names and defaults. Built once at start-up from
 * a {@code server.properties} file and overrides; immutable and safe to read from any thread.
 *
 * <p>An invalid value fails start-up with {@link ConfigException} naming the key. An unknown key is
 * logged once and kept (it is shown by DescribeConfigs as Kafka does not, but it harms nothing).
 */
public final class BrokerConfig {
    private static final Logger log = LoggerFactory.getLogger(BrokerConfig.class);

    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String QUORUM_VOTERS = "controller.quorum.voters";
    public static final String QUORUM_BOOTSTRAP_SERVERS = "controller.quorum.bootstrap.servers";
    /** Samsa's {@code kafka-storage format --initial-controllers} ({@code scripts/samsa start --initial-controllers}). */
    public static final String FORMAT_INITIAL_CONTROLLERS = "samsa.format.initial.controllers";
    /** Samsa's {@code kafka-storage format --standalone} ({@code scripts/samsa start --standalone}). */
    public static final String FORMAT_STANDALONE = "samsa.format.standalone";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String SECURITY_INTER_BROKER_PROTOCOL = "security.inter.broker.protocol";
    public static final String NODE_ID = "node.id";
    public static final String BROKER_ID = "broker.id";
    public static final String PROCESS_ROLES = "process.roles";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String QUOTA_WINDOW_NUM = "quota.window.num";
    public static final String QUOTA_WINDOW_SIZE_SECONDS = "quota.window.size.seconds";
    public static final String FETCH_MAX_BYTES = "fetch.max.bytes";
    public static final String REPLICA_SELECTOR_CLASS = "replica.selector.class";
    public static final String LEADER_REPLICATION_THROTTLED_RATE = "leader.replication.throttled.rate";
    public static final String FOLLOWER_REPLICATION_THROTTLED_RATE = "follower.replication.throttled.rate";
    public static final String REPLICATION_QUOTA_WINDOW_NUM = "replication.quota.window.num";
    public static final String REPLICATION_QUOTA_WINDOW_SIZE_SECONDS = "replication.quota.window.size.seconds";
    public static final String MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS = "max.incremental.fetch.session.cache.slots";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";

    private static final String PLAINTEXT = "PLAINTEXT";
    private static final String SSL = "SSL";
    /** Every security protocol Samsa serves: all of Kafka's. */
    private static final Set<String> SERVED_PROTOCOLS = Set.of(PLAINTEXT, SSL, "SASL_PLAINTEXT", "SASL_SSL");

    private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

    static {
        String[] timestampTypes = {"CreateTime", "LogAppendTime"};
        add(of(LISTENERS, ConfigType.LIST, "PLAINTEXT://127.0.0.1:9092",
                "Listener URIs to bind, e.g. PLAINTEXT://127.0.0.1:9092"));
        add(of(ADVERTISED_LISTENERS, ConfigType.LIST, null, "Listeners given to clients; defaults to listeners"));
        add(of(LISTENER_SECURITY_PROTOCOL_MAP, ConfigType.STRING,
                "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "Listener name to security protocol"));
        add(of(INTER_BROKER_LISTENER_NAME, ConfigType.STRING, null, "Listener used between brokers"));
        add(of(CONTROLLER_LISTENER_NAMES, ConfigType.LIST, null, "Listeners used by the controller"));
        add(of(QUORUM_VOTERS, ConfigType.LIST, "", "Voters of the metadata quorum: id@host:port,..."));
        add(of(QUORUM_BOOTSTRAP_SERVERS, ConfigType.LIST, "", "Bootstrap servers of the quorum: host:port,..."));
        add(of(FORMAT_INITIAL_CONTROLLERS, ConfigType.LIST, "", "The first voters of a new dynamic quorum, as "
                + "kafka-storage format --initial-controllers: id@host:port:directoryId,... (an empty metadata log only)"));
        add(of(FORMAT_STANDALONE, ConfigType.BOOLEAN, "false", "Format a new dynamic quorum with this controller as "
                + "its only voter, as kafka-storage format --standalone (an empty metadata log only)"));
        add(atLeast(NODE_ID, ConfigType.INT, "1", 0, "This node's id"));
        add(atLeast(BROKER_ID, ConfigType.INT, null, -1, "Alias of node.id"));
        add(of(PROCESS_ROLES, ConfigType.LIST, "broker,controller", "Roles of this process"));
        add(of("cluster.id", ConfigType.STRING, null, "Cluster id to format the metadata log with"));
        add(of(LOG_DIRS, ConfigType.LIST, null, "Data directories; defaults to log.dir"));
        add(of(LOG_DIR, ConfigType.STRING, "./data", "Data directory when log.dirs is unset"));
        add(of("metadata.log.dir", ConfigType.STRING, null, "Directory of the metadata log"));
        add(atLeast(NUM_PARTITIONS, ConfigType.INT, "1", 1, "Default partitions of a new topic"));
        add(atLeast(DEFAULT_REPLICATION_FACTOR, ConfigType.INT, "1", 1, "Default replication factor"));
        add(of(AUTO_CREATE_TOPICS_ENABLE, ConfigType.BOOLEAN, "true", "Create topics on first use"));
        add(of(DELETE_TOPIC_ENABLE, ConfigType.BOOLEAN, "true", "Allow topic deletion"));
        add(atLeast(MESSAGE_MAX_BYTES, ConfigType.INT, "1048588", 0, "Largest record batch accepted"));
        add(atLeast(SOCKET_REQUEST_MAX_BYTES, ConfigType.INT, "104857600", 1, "Largest request accepted"));
        add(atLeast("socket.send.buffer.bytes", ConfigType.INT, "102400", -1, "SO_SNDBUF, -1 for the OS default"));
        add(atLeast("socket.receive.buffer.bytes", ConfigType.INT, "102400", -1, "SO_RCVBUF, -1 for the OS default"));
        add(of(CONNECTIONS_MAX_IDLE_MS, ConfigType.LONG, "600000", "Close connections idle this long"));
        add(atLeast(MAX_CONNECTIONS, ConfigType.INT, "2147483647", 0, "Connection limit of the broker"));
        add(atLeast(MAX_CONNECTIONS_PER_IP, ConfigType.INT, "2147483647", 0, "Connection limit per address"));
        add(atLeast(NUM_NETWORK_THREADS, ConfigType.INT, "3", 1, "Network threads (event loops)"));
        add(atLeast(NUM_IO_THREADS, ConfigType.INT, "8", 1, "Request handler threads"));
        add(atLeast("background.threads", ConfigType.INT, "10", 1, "Background threads"));
        add(atLeast("num.recovery.threads.per.data.dir", ConfigType.INT, "2", 1, "Recovery threads"));
        add(of("log.retention.hours", ConfigType.INT, "168", "Retention in hours"));
        add(of("log.retention.minutes", ConfigType.INT, null, "Retention in minutes (overrides hours)"));
        add(of("log.retention.ms", ConfigType.LONG, null, "Retention in ms (overrides minutes)"));
        add(of("log.retention.bytes", ConfigType.LONG, "-1", "Retention by partition size"));
        add(atLeast("log.retention.check.interval.ms", ConfigType.LONG, "300000", 1, "Retention check period"));
        add(atLeast("log.segment.bytes", ConfigType.INT, "1073741824", 14, "Segment size"));
        add(atLeast("log.roll.hours", ConfigType.INT, "168", 1, "Segment roll time in hours"));
        add(atLeast("log.roll.ms", ConfigType.LONG, null, 1, "Segment roll time in ms"));
        add(atLeast("log.index.interval.bytes", ConfigType.INT, "4096", 0, "Bytes between index entries"));
        add(atLeast("log.index.size.max.bytes", ConfigType.INT, "10485760", 4, "Index file size"));
        add(atLeast("log.flush.interval.messages", ConfigType.LONG, String.valueOf(Long.MAX_VALUE), 1,
                "Messages before fsync"));
        add(of("log.flush.interval.ms", ConfigType.LONG, null, "Time before fsync"));
        add(atLeast("log.flush.scheduler.interval.ms", ConfigType.LONG, String.valueOf(Long.MAX_VALUE), 0,
                "Flusher period"));
        add(oneOf("log.cleanup.policy", "delete", Set.of("delete", "compact", "compact,delete", "delete,compact"),
                "Default cleanup policy"));
        add(of("log.cleaner.enable", ConfigType.BOOLEAN, "true", "Run the log cleaner"));
        add(atLeast("log.cleaner.delete.retention.ms", ConfigType.LONG, "86400000", 0, "Tombstone retention"));
        add(between("log.cleaner.min.cleanable.ratio", ConfigType.DOUBLE, "0.5", 0, 1, "Cleanable ratio"));
        add(atLeast("log.cleaner.threads", ConfigType.INT, "1", 0, "Log cleaner threads"));
        add(atLeast("log.cleaner.dedupe.buffer.size", ConfigType.LONG, "134217728", 0,
                "Memory of the cleaners' offset maps"));
        add(atLeast("log.cleaner.io.buffer.size", ConfigType.INT, "524288", 0, "Cleaner read and write buffers"));
        add(between("log.cleaner.io.buffer.load.factor", ConfigType.DOUBLE, "0.9", 0, 1, "Offset map load factor"));
        add(of("log.cleaner.io.max.bytes.per.second", ConfigType.DOUBLE, "1.7976931348623157E308",
                "Cleaner I/O throttle"));
        add(atLeast("log.cleaner.backoff.ms", ConfigType.LONG, "15000", 0, "Cleaner pause when idle"));
        add(atLeast("log.cleaner.min.compaction.lag.ms", ConfigType.LONG, "0", 0, "Minimum compaction lag"));
        add(atLeast("log.cleaner.max.compaction.lag.ms", ConfigType.LONG, "9223372036854775807", 1,
                "Maximum compaction lag"));
        add(atLeast("log.segment.delete.delay.ms", ConfigType.LONG, "60000", 0, "Delay before deleting files"));
        add(oneOf("log.message.timestamp.type", "CreateTime", Set.of(timestampTypes), "Timestamp type"));
        add(atLeast("log.message.timestamp.before.max.ms", ConfigType.LONG, String.valueOf(Long.MAX_VALUE), 0,
                "Maximum age of a record timestamp"));
        add(atLeast("log.message.timestamp.after.max.ms", ConfigType.LONG, "3600000", 0,
                "Maximum future skew of a record timestamp"));
        add(oneOf("compression.type", "producer",
                Set.of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), "Compression of stored data"));
        // KIP-390: the levels a broker recompresses at (gzip's 0 is refused in checkCrossKeyRules: -1 or 1-9).
        add(between(COMPRESSION_GZIP_LEVEL, ConfigType.INT, "-1", -1, 9, "gzip level when compression.type is gzip"));
        add(between("compression.lz4.level", ConfigType.INT, "9", 1, 17, "lz4 level when compression.type is lz4"));
        add(between("compression.zstd.level", ConfigType.INT, "3", -131072, 22,
                "zstd level when compression.type is zstd"));
        add(atLeast("min.insync.replicas", ConfigType.INT, "1", 1, "Minimum ISR for acks=all"));
        add(of("unclean.leader.election.enable", ConfigType.BOOLEAN, "false", "Allow unclean election"));
        add(atLeast(OFFSETS_TOPIC_NUM_PARTITIONS, ConfigType.INT, "50", 1, "Partitions of __consumer_offsets"));
        add(between(OFFSETS_TOPIC_REPLICATION_FACTOR, ConfigType.INT, "3", 1, Short.MAX_VALUE,
                "Replication of __consumer_offsets (1 on a node running alone)"));
        add(atLeast(OFFSETS_TOPIC_SEGMENT_BYTES, ConfigType.INT, "104857600", 1, "Segment size of offsets topic"));
        add(atLeast(OFFSETS_RETENTION_MINUTES, ConfigType.INT, "10080", 1, "Committed offsets retention"));
        add(atLeast("offsets.retention.check.interval.ms", ConfigType.LONG, "600000", 1, "Offsets expiry period"));
        add(atLeast("offsets.commit.timeout.ms", ConfigType.INT, "5000", 1, "Offset commit timeout"));
        add(atLeast("offset.metadata.max.bytes", ConfigType.INT, "4096", 0, "Max commit metadata size"));
        add(atLeast(GROUP_INITIAL_REBALANCE_DELAY_MS, ConfigType.INT, "3000", 0, "First rebalance delay"));
        add(atLeast(GROUP_MIN_SESSION_TIMEOUT_MS, ConfigType.INT, "6000", 0, "Minimum session timeout"));
        add(atLeast(GROUP_MAX_SESSION_TIMEOUT_MS, ConfigType.INT, "1800000", 0, "Maximum session timeout"));
        add(atLeast("group.max.size", ConfigType.INT, "2147483647", 1, "Maximum members of a group"));
        add(of("group.coordinator.rebalance.protocols", ConfigType.LIST, "classic,consumer", "Group protocols"));
        add(atLeast("transaction.state.log.num.partitions", ConfigType.INT, "50", 1, "Partitions of txn log"));
        add(atLeast("transaction.state.log.replication.factor", ConfigType.INT, "3", 1, "Replication of txn log"));
        add(atLeast("transaction.state.log.min.isr", ConfigType.INT, "2", 1, "Min ISR of txn log"));
        add(atLeast("transaction.max.timeout.ms", ConfigType.INT, "900000", 1, "Max transaction timeout"));
        add(atLeast("transactional.id.expiration.ms", ConfigType.INT, "604800000", 1, "Transactional id expiry"));
        add(atLeast("producer.id.expiration.ms", ConfigType.INT, "86400000", 1, "Producer id expiry"));
        add(atLeast("transaction.state.log.segment.bytes", ConfigType.INT, "104857600", 1,
                "Segment size of the txn log"));
        add(atLeast("transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType.INT, "10000", 1,
                "How often timed-out transactions are aborted"));
        add(atLeast("transaction.remove.expired.transaction.cleanup.interval.ms", ConfigType.INT, "3600000", 1,
                "How often expired transactional ids are removed"));
        add(of("transaction.partition.verification.enable", ConfigType.BOOLEAN, "true",
                "Verify a partition is in the transaction before its first transactional write (KIP-890)"));
        add(atLeast("add.partitions.to.txn.retry.backoff.ms", ConfigType.INT, "20", 1,
                "Backoff of a broker's AddPartitionsToTxn retried on CONCURRENT_TRANSACTIONS"));
        add(atLeast("add.partitions.to.txn.retry.backoff.max.ms", ConfigType.INT, "100", 0,
                "How long a broker retries AddPartitionsToTxn on CONCURRENT_TRANSACTIONS"));
        add(atLeast("samsa.transaction.marker.retry.backoff.ms", ConfigType.LONG, "100", 1,
                "Backoff before transaction markers are written again after a retriable error"));
        add(atLeast(REPLICA_FETCH_MAX_BYTES, ConfigType.INT, "1048576", 0, "Replica fetch size"));
        // Client quotas (issue 16).
        add(atLeast(QUOTA_WINDOW_NUM, ConfigType.INT, "11", 1, "Samples kept in memory for client quotas"));
        add(atLeast(QUOTA_WINDOW_SIZE_SECONDS, ConfigType.INT, "1", 1, "Time span of each client quota sample"));
        add(atLeast("replica.lag.time.max.ms", ConfigType.LONG, "30000", 1,
                "A follower not caught up to its leader for this long leaves the ISR"));
        // The follower's replica fetchers (issue 12).
        add(atLeast("num.replica.fetchers", ConfigType.INT, "1", 1, "Replica fetchers per source broker"));
        add(atLeast("replica.fetch.response.max.bytes", ConfigType.INT, "10485760", 0,
                "Maximum bytes of a replica fetch response"));
        add(atLeast("replica.fetch.wait.max.ms", ConfigType.INT, "500", 0, "Longest wait of a replica fetch"));
        add(atLeast("replica.fetch.min.bytes", ConfigType.INT, "1", 1, "Bytes a replica fetch waits for"));
        add(atLeast("replica.fetch.backoff.ms", ConfigType.INT, "1000", 0,
                "Backoff of a replica fetch after an error"));
        // Issue 12, part 5: fetch from the closest replica (KIP-392) and replication throttles.
        add(of(REPLICA_SELECTOR_CLASS, ConfigType.STRING, null, "The read-replica selector of consumers naming their "
                + "rack (KIP-392): org.apache.kafka.common.replica.RackAwareReplicaSelector, or none (the leader)"));
        add(atLeast(LEADER_REPLICATION_THROTTLED_RATE, ConfigType.LONG, Long.toString(Long.MAX_VALUE), 0,
                "Bytes per second a leader sends to its throttled replicas (dynamic)"));
        add(atLeast(FOLLOWER_REPLICATION_THROTTLED_RATE, ConfigType.LONG, Long.toString(Long.MAX_VALUE), 0,
                "Bytes per second a follower fetches for its throttled replicas (dynamic)"));
        add(atLeast(REPLICATION_QUOTA_WINDOW_NUM, ConfigType.INT, "11", 1, "Samples of the replication quotas' rate"));
        add(atLeast(REPLICATION_QUOTA_WINDOW_SIZE_SECONDS, ConfigType.INT, "1", 1,
                "Length of each sample of the replication quotas' rate"));
        add(atLeast(FETCH_MAX_BYTES, ConfigType.INT, "57671680", 1024, "Maximum bytes of a fetch response"));
        add(atLeast(MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS, ConfigType.INT, "1000", 0, "Fetch session slots"));
        add(atLeast("queued.max.requests", ConfigType.INT, "500", 1, "Queued requests before blocking reads"));
        add(atLeast("request.timeout.ms", ConfigType.INT, "30000", 0, "Request timeout"));
        add(of(SECURITY_INTER_BROKER_PROTOCOL, ConfigType.STRING, "PLAINTEXT", "Inter-broker protocol"));
        // TLS (issue 16): Kafka's ssl.* keys; listener.name.<listener>.ssl.* overrides each (SslSettings).
        add(of("ssl.keystore.type", ConfigType.STRING, "JKS", "Key store format: JKS, PKCS12 or PEM"));
        add(of("ssl.keystore.location", ConfigType.STRING, null, "Key store file"));
        add(of("ssl.keystore.password", ConfigType.PASSWORD, null, "Key store password"));
        add(of("ssl.key.password", ConfigType.PASSWORD, null, "Private key password"));
        add(of("ssl.keystore.certificate.chain", ConfigType.PASSWORD, null, "PEM certificate chain (inline)"));
        add(of("ssl.keystore.key", ConfigType.PASSWORD, null, "PEM private key (inline)"));
        add(of("ssl.truststore.type", ConfigType.STRING, "JKS", "Trust store format: JKS, PKCS12 or PEM"));
        add(of("ssl.truststore.location", ConfigType.STRING, null, "Trust store file"));
        add(of("ssl.truststore.password", ConfigType.PASSWORD, null, "Trust store password"));
        add(of("ssl.truststore.certificates", ConfigType.PASSWORD, null, "PEM trusted certificates (inline)"));
        add(oneOf("ssl.client.auth", "none", Set.of("none", "requested", "required"),
                "Client certificates: none, requested or required"));
        add(of("ssl.enabled.protocols", ConfigType.LIST, "TLSv1.2,TLSv1.3", "TLS protocol versions enabled"));
        add(of("ssl.protocol", ConfigType.STRING, "TLSv1.3", "TLS protocol of the SSLContext (JDK engine)"));
        add(of("ssl.cipher.suites", ConfigType.LIST, "", "Cipher suites; empty for the engine's defaults"));
        add(of("ssl.endpoint.identification.algorithm", ConfigType.STRING, "https",
                "Host name verification of the broker's own TLS connections; empty to disable"));
        add(of("ssl.provider", ConfigType.STRING, null, "TLS engine: OPENSSL, JDK or a JCA provider name; "
                + "unset for OpenSSL when available, else the JDK"));
        add(of("ssl.keymanager.algorithm", ConfigType.STRING, null, "Key manager algorithm (the JDK's default)"));
        add(of("ssl.trustmanager.algorithm", ConfigType.STRING, null, "Trust manager algorithm (the JDK's default)"));
        add(of("ssl.principal.mapping.rules", ConfigType.STRING, "DEFAULT",
                "Client certificate subject to user name: RULE:pattern/replacement/[LU],...,DEFAULT"));
        add(atLeast("samsa.ssl.handshake.timeout.ms", ConfigType.LONG, "10000", 1,
                "A TLS connection that has not completed its handshake this long is closed"));
        add(of("sasl.enabled.mechanisms", ConfigType.LIST, "GSSAPI", "Enabled SASL mechanisms"));
        add(of("sasl.mechanism.inter.broker.protocol", ConfigType.STRING, "GSSAPI",
                "SASL mechanism of the broker's connections to other brokers"));
        add(of("sasl.mechanism.controller.protocol", ConfigType.STRING, "GSSAPI",
                "SASL mechanism of the connections to the controllers"));
        add(of("sasl.jaas.config", ConfigType.PASSWORD, null, "JAAS login module of every SASL listener"));
        add(atLeast("sasl.server.max.receive.size", ConfigType.INT, "524288", 1,
                "Largest frame a connection may send before it has authenticated"));
        add(atLeast("connections.max.reauth.ms", ConfigType.LONG, "0", 0,
                "Session lifetime of a SASL connection before it must re-authenticate (KIP-368); 0 never"));
        add(of("authorizer.class.name", ConfigType.STRING, "",
                "Empty for none, or org.apache.kafka.metadata.authorizer.StandardAuthorizer for ACLs"));
        add(of("super.users", ConfigType.STRING, "", "Principals allowed everything, separated by semicolons"));
        add(of("allow.everyone.if.no.acl.found", ConfigType.BOOLEAN, "false",
                "Whether a resource without any ACL is open to everyone"));
        add(of("broker.rack", ConfigType.STRING, null, "Rack of this broker"));
        add(atLeast(BROKER_HEARTBEAT_INTERVAL_MS, ConfigType.LONG, "2000", 1, "Broker heartbeat period"));
        add(atLeast(BROKER_SESSION_TIMEOUT_MS, ConfigType.INT, "9000", 1,
                "A broker without a heartbeat this long is fenced (controller)"));
        add(of("auto.leader.rebalance.enable", ConfigType.BOOLEAN, "true", "Move leaders back to preferred replicas"));
        add(atLeast("leader.imbalance.check.interval.seconds", ConfigType.LONG, "300", 1,
                "Period of the preferred leader check"));
        add(between("leader.imbalance.per.broker.percentage", ConfigType.INT, "10", 0, 100,
                "Accepted for compatibility; the controller elects every imbalanced partition"));
        add(atLeast(QuorumTimeouts.ELECTION_TIMEOUT_MS, ConfigType.LONG, "1000", 1,
                "A voter without a leader stands for election after a random time in [t, 2t)"));
        add(atLeast(QuorumTimeouts.ELECTION_BACKOFF_MAX_MS, ConfigType.LONG, "1000", 1,
                "Longest random pause before a lost election is retried"));
        add(atLeast(QuorumTimeouts.FETCH_TIMEOUT_MS, ConfigType.LONG, "2000", 1,
                "A follower that has not fetched from the leader this long stands for election"));
        add(atLeast(QuorumTimeouts.RETRY_BACKOFF_MS, ConfigType.LONG, "20", 1,
                "Pause before a failed request between controllers is sent again"));
        add(atLeast(QuorumTimeouts.REQUEST_TIMEOUT_MS, ConfigType.INT, "2000", 1,
                "How long a request between controllers may take"));
    }

    private static void add(ConfigKey key) {
        KEYS.put(key.name(), key);
    }

    private final Map<String, String> originals;
    private final Map<String, Object> values;

    private BrokerConfig(Map<String, String> originals, Map<String, Object> values) {
        this.originals = originals;
        this.values = values;
    }

    /** All known keys, in definition order. */
    public static Map<String, ConfigKey> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    /** Builds a config from explicitly set keys; validates every known key. */
    public static BrokerConfig from(Map<String, String> props) {
        Map<String, String> originals = new TreeMap<>(props);
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : KEYS.values()) {
            String raw = originals.containsKey(key.name()) ? originals.get(key.name()) : key.defaultValue();
            if (raw == null) {
                values.put(key.name(), null);
                continue;
            }
            try {
                values.put(key.name(), key.parse(raw));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key.name(), "Invalid value for configuration " + key.name() + ": "
                        + e.getMessage());
            }
        }
        for (String name : originals.keySet()) {
            // listener.name.<l>.<key>: per-listener settings, read by the listener that uses them (SASL, TLS).
            if (!KEYS.containsKey(name) && !name.startsWith("listener.name.")) {
                log.info("Configuration key {} is not known to Samsa and is ignored", name);
            }
        }
        BrokerConfig config = new BrokerConfig(Collections.unmodifiableMap(originals), values);
        config.checkCrossKeyRules();
        return config;
    }

    /** Reads a Kafka {@code server.properties} file and applies {@code overrides} on top. */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> props = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (String name : p.stringPropertyNames()) {
                props.put(name, p.getProperty(name));
            }
        }
        props.putAll(overrides);
        return from(props);
    }

    private void checkCrossKeyRules() {
        processRoles();
        quorumVoters();
        quorumBootstrapServers();
        Integer brokerId = (Integer) values.get(BROKER_ID);
        if (brokerId != null && brokerId >= 0 && originals.containsKey(NODE_ID) && brokerId != getInt(NODE_ID)) {
            throw new ConfigException(BROKER_ID, "broker.id " + brokerId + " differs from node.id " + getInt(NODE_ID));
        }
        List<Endpoint> bound;
        List<Endpoint> advertised;
        try {
            bound = listeners();
            advertised = Endpoint.parseAll(getList(ADVERTISED_LISTENERS), securityProtocolMap());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(LISTENERS, e.getMessage());
        }
        checkServedProtocols(LISTENERS, bound);
        checkServedProtocols(ADVERTISED_LISTENERS, advertised);
        String interBroker = getString(SECURITY_INTER_BROKER_PROTOCOL);
        if (!PLAINTEXT.equals(interBroker) && !SSL.equals(interBroker)) {
            throw new ConfigException(SECURITY_INTER_BROKER_PROTOCOL, SECURITY_INTER_BROKER_PROTOCOL + " is "
                    + interBroker + ", but the broker's own clients speak only PLAINTEXT and SSL so far (they do not "
                    + "authenticate with SASL yet)");
        }
        checkOwnClientsListeners(bound);
        ClusterRules.check(this);
        checkReplicaSelector();
        if (getInt(COMPRESSION_GZIP_LEVEL) == 0) {
            throw new ConfigException(COMPRESSION_GZIP_LEVEL, "Invalid value 0 for configuration "
                    + COMPRESSION_GZIP_LEVEL + ": Value must be -1 or between 1 and 9");
        }
    }

    /** Kafka's read-replica selectors Samsa knows by name (KIP-392); the rack-aware one needs a rack to help. */
    private void checkReplicaSelector() {
        String selector = getString(REPLICA_SELECTOR_CLASS);
        if (selector == null || selector.isBlank()
                || selector.trim().equals("org.apache.kafka.common.replica.LeaderSelector")) {
            return;
        }
        if (!selector.trim().equals("org.apache.kafka.common.replica.RackAwareReplicaSelector")) {
            throw new ConfigException(REPLICA_SELECTOR_CLASS, "Unknown " + REPLICA_SELECTOR_CLASS + " " + selector
                    + ": Samsa knows org.apache.kafka.common.replica.RackAwareReplicaSelector and "
                    + "org.apache.kafka.common.replica.LeaderSelector");
        }
        if (getString("broker.rack") == null) {
            log.warn("{} is set but broker.rack is not: consumers are sent to followers only in their rack, and this "
                    + "broker's replicas have none", REPLICA_SELECTOR_CLASS);
        }
    }

    /** A role of this process ({@code process.roles}). */
    public enum Role {
        BROKER, CONTROLLER
    }

    /** {@code process.roles}: broker, controller, or both (Samsa's default). */
    public Set<Role> processRoles() {
        List<String> names = getList(PROCESS_ROLES);
        Set<Role> roles = java.util.EnumSet.noneOf(Role.class);
        for (String n : names) {
            Role r = switch (n.trim().toLowerCase(Locale.ROOT)) {
                case "broker" -> Role.BROKER;
                case "controller" -> Role.CONTROLLER;
                default -> throw new ConfigException(PROCESS_ROLES, "Unknown process role '" + n.trim()
                        + "' (must be one of 'broker' or 'controller')");
            };
            if (!roles.add(r)) {
                throw new ConfigException(PROCESS_ROLES, "Duplicate role names found in " + PROCESS_ROLES + ": "
                        + names);
            }
        }
        if (roles.isEmpty()) {
            throw new ConfigException(PROCESS_ROLES, PROCESS_ROLES + " must name the roles of this node: broker, "
                    + "controller, or broker,controller");
        }
        return roles;
    }

    public boolean isBroker() {
        return processRoles().contains(Role.BROKER);
    }

    public boolean isController() {
        return processRoles().contains(Role.CONTROLLER);
    }

    /**
     * Samsa's one-node mode: both roles and neither voters nor bootstrap servers; the node is the only voter of its
     * metadata log, as {@code scripts/samsa start} runs it. Any other configuration is a KRaft cluster node.
     */
    public boolean standalone() {
        return isBroker() && isController() && quorumVoters().isEmpty() && quorumBootstrapServers().isEmpty();
    }

    /** {@code controller.listener.names}, upper-cased as listener names are. */
    public List<String> controllerListenerNames() {
        return getList(CONTROLLER_LISTENER_NAMES).stream().map(n -> n.trim().toUpperCase(Locale.ROOT)).toList();
    }

    /** {@code controller.quorum.voters} by id, in the order given. */
    public Map<Integer, QuorumVoter> quorumVoters() {
        return QuorumVoter.parseVoters(getList(QUORUM_VOTERS).stream().filter(v -> !v.isBlank()).toList());
    }

    /** {@code controller.quorum.bootstrap.servers} (KIP-853), ids -1. */
    public List<QuorumVoter> quorumBootstrapServers() {
        return QuorumVoter.parseBootstrapServers(getList(QUORUM_BOOTSTRAP_SERVERS).stream()
                .filter(v -> !v.isBlank()).toList());
    }

    /** The listener brokers reach each other on: inter.broker.listener.name, else the inter-broker protocol's. */
    public String interBrokerListenerName() {
        String name = getString(INTER_BROKER_LISTENER_NAME);
        return (name != null ? name : getString(SECURITY_INTER_BROKER_PROTOCOL)).trim().toUpperCase(Locale.ROOT);
    }

    /** The bound listeners that serve clients and brokers: {@code listeners} without the controller listeners. */
    public List<Endpoint> brokerListeners() {
        List<String> controllerNames = controllerListenerNames();
        return listeners().stream().filter(e -> !controllerNames.contains(e.listenerName())).toList();
    }

    /** The bound controller listeners, in the order of {@code controller.listener.names}. */
    public List<Endpoint> controllerListeners() {
        List<Endpoint> bound = listeners();
        List<Endpoint> out = new java.util.ArrayList<>();
        for (String name : controllerListenerNames()) {
            bound.stream().filter(e -> e.listenerName().equals(name)).findFirst().ifPresent(out::add);
        }
        return out;
    }

    /** {@code advertised.listeners} as given (controller listeners included), empty when unset. */
    public List<Endpoint> explicitAdvertisedListeners() {
        return Endpoint.parseAll(getList(ADVERTISED_LISTENERS), securityProtocolMap());
    }

    /**
     * Where this controller is reached, per controller listener (Kafka's effective advertised controller listeners):
     * its entry in {@code advertised.listeners}, else its bound listener ({@code 0.0.0.0} as an empty host).
     */
    public List<Endpoint> advertisedControllerListeners() {
        List<Endpoint> advertised = explicitAdvertisedListeners();
        List<Endpoint> out = new java.util.ArrayList<>();
        for (Endpoint bound : controllerListeners()) {
            Endpoint e = advertised.stream().filter(a -> a.listenerName().equals(bound.listenerName())).findFirst()
                    .orElse("0.0.0.0".equals(bound.host()) ? new Endpoint(bound.listenerName(), "", bound.port(),
                            bound.securityProtocol()) : bound);
            out.add(e);
        }
        return out;
    }

    /**
     * Fails start-up for a listener without a security protocol Kafka knows: one whose name is not in
     * {@code listener.security.protocol.map} (an error in Kafka too), or one mapped to something else.
     */
    private void checkServedProtocols(String key, List<Endpoint> endpoints) {
        Map<String, String> map = securityProtocolMap();
        for (Endpoint e : endpoints) {
            String protocol = e.securityProtocol();
            if (SERVED_PROTOCOLS.contains(protocol)) {
                continue;
            }
            if (!(isSet(LISTENER_SECURITY_PROTOCOL_MAP) && map.containsKey(e.listenerName()))) {
                throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, "No security protocol is defined for "
                        + "listener " + e.listenerName() + " (" + key + "=" + e + "): map it in "
                        + LISTENER_SECURITY_PROTOCOL_MAP + ", e.g. " + e.listenerName() + ":PLAINTEXT");
            }
            throw new ConfigException(LISTENER_SECURITY_PROTOCOL_MAP, "Listener " + e.listenerName() + " (" + key
                    + "=" + e + ") is mapped to " + protocol + ", which is not a security protocol: use PLAINTEXT, "
                    + "SSL, SASL_PLAINTEXT or SASL_SSL");
        }
    }

    /**
     * The broker's own clients (replica fetchers, forwarding, the Raft channel, broker-to-controller) do not
     * authenticate yet: the inter-broker and controller listeners must not be SASL listeners.
     */
    private void checkOwnClientsListeners(List<Endpoint> bound) {
        List<String> controllerNames = controllerListenerNames();
        String interBroker = interBrokerListenerName();
        for (Endpoint e : bound) {
            boolean own = e.listenerName().equals(interBroker) || controllerNames.contains(e.listenerName());
            if (own && !PLAINTEXT.equals(e.securityProtocol()) && !SSL.equals(e.securityProtocol())) {
                throw new ConfigException(controllerNames.contains(e.listenerName()) ? CONTROLLER_LISTENER_NAMES
                        : INTER_BROKER_LISTENER_NAME, "Listener " + e.listenerName() + " is an inter-broker or "
                        + "controller listener with security protocol " + e.securityProtocol() + ", but the broker's "
                        + "own clients do not authenticate with SASL yet: keep a PLAINTEXT or SSL listener for them");
            }
        }
    }

    public boolean isSet(String name) {
        return originals.containsKey(name);
    }

    /** The text as set by the operator, or null. */
    public String original(String name) {
        return originals.get(name);
    }

    public Map<String, String> originals() {
        return originals;
    }

    public Object get(String name) {
        return values.get(name);
    }

    public int getInt(String name) {
        return (Integer) values.get(name);
    }

    public long getLong(String name) {
        return (Long) values.get(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) values.get(name);
    }

    public String getString(String name) {
        return (String) values.get(name);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String name) {
        Object v = values.get(name);
        return v == null ? List.of() : (List<String>) v;
    }

    /** The node id: node.id, or broker.id when only that is set. */
    public int nodeId() {
        Integer brokerId = (Integer) values.get(BROKER_ID);
        if (!originals.containsKey(NODE_ID) && brokerId != null && brokerId >= 0) {
            return brokerId;
        }
        return getInt(NODE_ID);
    }

    /** The first data directory (log.dirs, else log.dir). */
    public Path dataDir() {
        List<String> dirs = getList(LOG_DIRS);
        return Path.of(dirs.isEmpty() ? getString(LOG_DIR) : dirs.get(0));
    }

    public List<Endpoint> listeners() {
        return Endpoint.parseAll(getList(LISTENERS), securityProtocolMap());
    }

    /** Advertised listeners, defaulting to the bound listeners (controller listeners excluded). */
    public List<Endpoint> advertisedListeners() {
        List<String> adv = getList(ADVERTISED_LISTENERS);
        List<Endpoint> eps = adv.isEmpty() ? listeners() : Endpoint.parseAll(adv, securityProtocolMap());
        List<String> controllerNames = controllerListenerNames();
        return eps.stream().filter(e -> !controllerNames.contains(e.listenerName())).toList();
    }

    /**
     * listener.security.protocol.map, upper-cased, plus PLAINTEXT for a controller listener it does not name
     * (as Kafka does for controller.listener.names).
     */
    public Map<String, String> securityProtocolMap() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : getString(LISTENER_SECURITY_PROTOCOL_MAP).split(",")) {
            String[] kv = pair.trim().split(":");
            if (kv.length == 2) {
                map.put(kv[0].trim().toUpperCase(Locale.ROOT), kv[1].trim().toUpperCase(Locale.ROOT));
            }
        }
        for (String name : getList(CONTROLLER_LISTENER_NAMES)) {
            map.putIfAbsent(name.toUpperCase(Locale.ROOT), PLAINTEXT);
        }
        return map;
    }

    /** log.retention.ms, else minutes, else hours; -1 means unlimited. */
    public long logRetentionMs() {
        Long ms = (Long) values.get("log.retention.ms");
        if (ms != null) {
            return ms;
        }
        Integer minutes = (Integer) values.get("log.retention.minutes");
        if (minutes != null) {
            return minutes * 60_000L;
        }
        return getInt("log.retention.hours") * 3_600_000L;
    }

    /** log.roll.ms, else log.roll.hours. */
    public long logRollMs() {
        Long ms = (Long) values.get("log.roll.ms");
        return ms != null ? ms : getInt("log.roll.hours") * 3_600_000L;
    }
}
