package io.samsa.server.metadata;

import io.samsa.raft.ReplicaKey;
import io.samsa.raft.VoterSet;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.Endpoint;
import io.samsa.server.config.QuorumPlan;
import io.samsa.server.config.QuorumVoter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A node of a dynamic quorum (KIP-853: {@code controller.quorum.bootstrap.servers}, no
 * {@code controller.quorum.voters}): its directory id (kept in {@code meta.properties}), its controller endpoints,
 * the bootstrap servers, the cluster id, and the first voters to format an empty metadata log with, as
 * {@code kafka-storage format} would: {@code --initial-controllers} ({@value BrokerConfig#FORMAT_INITIAL_CONTROLLERS}),
 * {@code --standalone} ({@value BrokerConfig#FORMAT_STANDALONE}, or a controller whose bootstrap servers are all its
 * own listeners, as Kafka's quick start formats it), else none: the node joins as an observer and may be added with
 * AddRaftVoter. Immutable.
 *
 * @param initialVoters the voters to format an empty log with; null to join an existing quorum
 */
public record DynamicQuorum(UUID directoryId, List<VoterSet.Endpoint> endpoints, List<String> bootstrapServers,
                            String clusterId, VoterSet initialVoters) {
    private static final Pattern CONTROLLER = Pattern.compile("(\\d+)@(\\[[^\\]]+\\]|[^:@\\s]+):(\\d+):([A-Za-z0-9_-]{22})");

    /**
     * The dynamic quorum this node belongs to, or null when it is not one: static voters, Samsa's one-node mode, or
     * a metadata log written before directory ids (a controller that was the quorum of one of its bootstrap servers;
     * it stays that). On the first start writes {@code meta.properties} with a new directory id (the one
     * {@code --initial-controllers} gives this node, if any). Blocking file I/O: start-up only.
     */
    public static DynamicQuorum of(BrokerConfig config, QuorumPlan plan, Path metadataDir) throws IOException {
        if (!plan.voters().isEmpty() || plan.bootstrapServers().isEmpty()) {
            return null;
        }
        Path dataDir = config.dataDir();
        MetaProperties meta = MetaProperties.load(dataDir);
        if (meta == null && hasFiles(metadataDir)) {
            return null;
        }
        List<VoterSet.Endpoint> endpoints = new ArrayList<>();
        for (Endpoint e : config.advertisedControllerListeners()) {
            if (e.port() <= 0) {
                throw new ConfigException(BrokerConfig.LISTENERS, "A controller of a dynamic quorum needs a fixed port on"
                        + " its controller listener " + e.listenerName() + " (its voters' record names it)");
            }
            endpoints.add(new VoterSet.Endpoint(e.listenerName(), e.host().isEmpty() ? "localhost" : e.host(),
                    e.port()));
        }
        List<VoterSet.Voter> initial = parseInitialControllers(config.getList(BrokerConfig.FORMAT_INITIAL_CONTROLLERS)
                .stream().filter(s -> !s.isBlank()).toList(), config.controllerListenerNames());
        String clusterId = config.getString("cluster.id");
        UUID dirId;
        if (meta != null) {
            if (meta.nodeId() != config.nodeId()) {
                throw new ConfigException(BrokerConfig.NODE_ID, "The data directory " + dataDir + " belongs to node "
                        + meta.nodeId() + ", not " + config.nodeId());
            }
            dirId = meta.directoryId();
            if (clusterId == null) {
                clusterId = meta.clusterId();
            }
        } else {
            dirId = initial.stream().filter(v -> v.id() == config.nodeId()).map(v -> v.key().directoryId())
                    .findFirst().orElseGet(MetaProperties::newDirectoryId);
            new MetaProperties(config.nodeId(), clusterId, dirId).write(dataDir);
        }
        VoterSet initialVoters = null;
        if (config.isController()) {
            if (!initial.isEmpty()) {
                initialVoters = VoterSet.of(initial);
            } else if (config.getBoolean(BrokerConfig.FORMAT_STANDALONE) || plan.kind() == QuorumPlan.Kind.SINGLE_VOTER) {
                initialVoters = VoterSet.of(List.of(VoterSet.Voter.of(new ReplicaKey(config.nodeId(), dirId),
                        endpoints)));
            }
        }
        List<String> bootstrap = plan.bootstrapServers().stream().map(DynamicQuorum::hostPort).toList();
        return new DynamicQuorum(dirId, endpoints, bootstrap, clusterId, initialVoters);
    }

    /** A bootstrap server as the channel names it: {@code host:port}. */
    public static String hostPort(QuorumVoter server) {
        return (server.host().contains(":") ? "[" + server.host() + "]" : server.host()) + ":" + server.port();
    }

    /** Parses {@code id@host:port:directoryId,...}; each voter's endpoint on the first controller listener name. */
    static List<VoterSet.Voter> parseInitialControllers(List<String> entries, List<String> listenerNames) {
        String listener = listenerNames.isEmpty() ? "CONTROLLER" : listenerNames.get(0);
        List<VoterSet.Voter> out = new ArrayList<>();
        for (String raw : entries) {
            Matcher m = CONTROLLER.matcher(raw.trim());
            if (!m.matches()) {
                throw new ConfigException(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, "Invalid initial controller '"
                        + raw.trim() + "': expected {id}@{host}:{port}:{directory id}");
            }
            String host = m.group(2).startsWith("[") ? m.group(2).substring(1, m.group(2).length() - 1) : m.group(2);
            UUID dir;
            try {
                dir = MetaProperties.decodeUuid(m.group(4));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, "Invalid directory id in '"
                        + raw.trim() + "'");
            }
            int id = Integer.parseInt(m.group(1));
            if (out.stream().anyMatch(v -> v.id() == id)) {
                throw new ConfigException(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, "Controller " + id
                        + " is named twice");
            }
            out.add(VoterSet.Voter.of(new ReplicaKey(id, dir), List.of(new VoterSet.Endpoint(listener, host,
                    Integer.parseInt(m.group(3))))));
        }
        return out;
    }

    private static boolean hasFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isPresent();
        }
    }
}
