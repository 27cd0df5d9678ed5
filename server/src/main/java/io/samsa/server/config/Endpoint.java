package io.samsa.server.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A listener: its name, host (empty = all interfaces), port and security protocol. */
public record Endpoint(String listenerName, String host, int port, String securityProtocol) {

    /** Parses {@code NAME://host:port} entries; throws IllegalArgumentException naming a bad one. */
    public static List<Endpoint> parseAll(List<String> specs, Map<String, String> protocolMap) {
        List<Endpoint> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String spec : specs) {
            Endpoint e = parse(spec, protocolMap);
            if (!names.add(e.listenerName)) {
                throw new IllegalArgumentException("Listener name " + e.listenerName + " is used twice");
            }
            out.add(e);
        }
        return out;
    }

    public static Endpoint parse(String spec, Map<String, String> protocolMap) {
        int sep = spec.indexOf("://");
        if (sep <= 0) {
            throw new IllegalArgumentException("Listener '" + spec + "' is not of the form NAME://host:port");
        }
        String name = spec.substring(0, sep).toUpperCase(Locale.ROOT);
        String rest = spec.substring(sep + 3);
        int colon = rest.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("Listener '" + spec + "' has no port");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Listener '" + spec + "' has an invalid port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Listener '" + spec + "' has a port out of range");
        }
        String protocol = protocolMap.getOrDefault(name, name);
        return new Endpoint(name, host, port, protocol);
    }

    public Endpoint withPort(int newPort) {
        return new Endpoint(listenerName, host, newPort, securityProtocol);
    }

    @Override
    public String toString() {
        return listenerName + "://" + host + ":" + port;
    }
}
