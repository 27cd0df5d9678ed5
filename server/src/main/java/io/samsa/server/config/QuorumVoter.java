package io.samsa.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A voter of the metadata quorum as {@code controller.quorum.voters} names it ({@code id@host:port}, an IPv6 host
 * in brackets), or, with {@code id} -1, one of {@code controller.quorum.bootstrap.servers} ({@code host:port},
 * KIP-853). Immutable.
 */
public record QuorumVoter(int id, String host, int port) {
    private static final Pattern VOTER = Pattern.compile("(\\d+)@(\\[[^\\]]+\\]|[^:@\\s]+):(\\d+)");
    private static final Pattern SERVER = Pattern.compile("(\\[[^\\]]+\\]|[^:@\\s]+):(\\d+)");

    /** Parses {@code controller.quorum.voters}; throws {@link ConfigException} naming a bad entry. */
    public static Map<Integer, QuorumVoter> parseVoters(List<String> entries) {
        Map<Integer, QuorumVoter> out = new LinkedHashMap<>();
        for (String raw : entries) {
            String entry = raw.trim();
            Matcher m = VOTER.matcher(entry);
            if (!m.matches()) {
                throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "Invalid " + BrokerConfig.QUORUM_VOTERS
                        + " entry '" + entry + "': expected {id}@{host}:{port}");
            }
            int id;
            try {
                id = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "Invalid voter id in '" + entry + "'");
            }
            QuorumVoter v = new QuorumVoter(id, unbracket(m.group(2)), port(m.group(3), BrokerConfig.QUORUM_VOTERS,
                    entry));
            if (out.put(id, v) != null) {
                throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "Voter " + id + " is named twice in "
                        + BrokerConfig.QUORUM_VOTERS);
            }
        }
        return out;
    }

    /** Parses {@code controller.quorum.bootstrap.servers}; throws {@link ConfigException} naming a bad entry. */
    public static List<QuorumVoter> parseBootstrapServers(List<String> entries) {
        List<QuorumVoter> out = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw.trim();
            Matcher m = SERVER.matcher(entry);
            if (!m.matches()) {
                throw new ConfigException(BrokerConfig.QUORUM_BOOTSTRAP_SERVERS, "Invalid "
                        + BrokerConfig.QUORUM_BOOTSTRAP_SERVERS + " entry '" + entry + "': expected {host}:{port}");
            }
            out.add(new QuorumVoter(-1, unbracket(m.group(1)), port(m.group(2),
                    BrokerConfig.QUORUM_BOOTSTRAP_SERVERS, entry)));
        }
        return out;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String digits, String key, String entry) {
        int port;
        try {
            port = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(key, "Invalid port in " + key + " entry '" + entry + "'");
        }
        return port;
    }

    @Override
    public String toString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return (id >= 0 ? id + "@" : "") + h + ":" + port;
    }
}
