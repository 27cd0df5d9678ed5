package io.samsa.server.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How this node takes part in the metadata quorum, from its configuration:
 *
 * <ul>
 *   <li>{@link Kind#SINGLE_VOTER}: it is the quorum's only voter. Samsa's one-node mode; a controller whose
 *       {@code controller.quorum.voters} names only itself; a controller whose
 *       {@code controller.quorum.bootstrap.servers} all point at its own controller listeners (Kafka's quick start,
 *       formatted {@code --standalone}).
 *   <li>{@link Kind#VOTER}: one voter of several (a Raft quorum of controllers).
 *   <li>{@link Kind#OBSERVER}: a broker-only node, which follows the metadata log without voting.
 * </ul>
 *
 * Immutable.
 */
public record QuorumPlan(Kind kind, int nodeId, Map<Integer, QuorumVoter> voters, List<QuorumVoter> bootstrapServers) {
    /** This node's part in the quorum. */
    public enum Kind {
        SINGLE_VOTER, VOTER, OBSERVER
    }

    /** Host names under which a node reaches itself without a lookup. */
    private static final Set<String> SELF = Set.of("", "localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1",
            "0.0.0.0");

    public QuorumPlan {
        voters = Map.copyOf(voters);
        bootstrapServers = List.copyOf(bootstrapServers);
    }

    public static QuorumPlan of(BrokerConfig c) {
        Map<Integer, QuorumVoter> voters = c.quorumVoters();
        List<QuorumVoter> bootstrap = c.quorumBootstrapServers();
        int id = c.nodeId();
        Kind kind;
        if (!c.isController()) {
            kind = Kind.OBSERVER;
        } else if (c.standalone()) {
            kind = Kind.SINGLE_VOTER;
        } else if (!voters.isEmpty()) {
            kind = voters.size() == 1 && voters.containsKey(id) ? Kind.SINGLE_VOTER : Kind.VOTER;
        } else {
            kind = bootstrap.stream().allMatch(s -> isSelf(c, s)) ? Kind.SINGLE_VOTER : Kind.VOTER;
        }
        return new QuorumPlan(kind, id, voters, bootstrap);
    }

    /** Whether a bootstrap server is one of this node's own controller listeners. */
    private static boolean isSelf(BrokerConfig c, QuorumVoter server) {
        String host = server.host().toLowerCase(Locale.ROOT);
        for (Endpoint own : c.controllerListeners()) {
            if (own.port() != server.port()) {
                continue;
            }
            if (SELF.contains(host) || host.equalsIgnoreCase(own.host())) {
                return true;
            }
        }
        for (Endpoint own : c.advertisedControllerListeners()) {
            if (own.port() == server.port() && host.equalsIgnoreCase(own.host())) {
                return true;
            }
        }
        return false;
    }

    /** What the quorum is, for messages: the voters, else the bootstrap servers. */
    public String describe() {
        return !voters.isEmpty() ? BrokerConfig.QUORUM_VOTERS + "=" + voters.values()
                : BrokerConfig.QUORUM_BOOTSTRAP_SERVERS + "=" + bootstrapServers;
    }
}
