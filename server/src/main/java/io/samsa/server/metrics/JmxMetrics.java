package io.samsa.server.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One node's metrics in a JMX {@link MBeanServer} (the platform one in production), under Kafka's names so that JMX
 * tools and exporters written for Kafka find them: {@code domain:type=T,name=N[,tag=value]...}, each a {@link Gauge}
 * whose attribute {@code Value} is read when asked.
 *
 * <p><b>Several nodes in one JVM</b> (embedded tests, {@code CombinedNodeIT}): the first node to register a name gets
 * Kafka's name exactly; a node that finds the name taken registers it with one more key, {@code node=<node.id>} (or
 * {@code node=<node.id>.<k>}, k = 2, 3, ..., when that is taken too: two nodes with the same id). {@link #names()}
 * tells which names this node got. A node unregisters its own names on {@link #close}, and only those.
 *
 * <p>Thread-safe.
 */
public final class JmxMetrics implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JmxMetrics.class);

    private final MBeanServer server;
    private final int nodeId;
    private final Map<String, ObjectName> registered = new LinkedHashMap<>();
    private boolean closed;

    public JmxMetrics(MBeanServer server, int nodeId) {
        this.server = server;
        this.nodeId = nodeId;
    }

    /** Node {@code nodeId}'s metrics in the JVM's platform MBeanServer. */
    public static JmxMetrics platform(int nodeId) {
        return new JmxMetrics(ManagementFactory.getPlatformMBeanServer(), nodeId);
    }

    /**
     * Registers a gauge named {@code domain:type=type,name=name} plus {@code tags} (in order; a value is quoted when
     * it holds a character an unquoted name cannot, and a {@code :} becomes {@code %3A} as in Kafka's names).
     *
     * @return the name it was registered under (see the class comment for a name another node holds)
     */
    public synchronized ObjectName gauge(String domain, String type, String name, Map<String, String> tags,
                                         Supplier<?> value) {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        StringBuilder base = new StringBuilder(domain).append(":type=").append(type).append(",name=").append(name);
        for (Map.Entry<String, String> t : tags.entrySet()) {
            base.append(',').append(t.getKey()).append('=').append(value(t.getValue()));
        }
        String key = base.toString();
        if (registered.containsKey(key)) {
            throw new IllegalArgumentException("Registered twice: " + key);
        }
        Gauge gauge = new Gauge(value);
        for (int k = 1; ; k++) {
            String candidate = k == 1 ? key : key + ",node=" + nodeId + (k == 2 ? "" : "." + (k - 1));
            try {
                ObjectName on = new ObjectName(candidate);
                server.registerMBean(gauge, on);
                registered.put(key, on);
                return on;
            } catch (InstanceAlreadyExistsException e) {
                // another node in this JVM holds it: try the next name
            } catch (MalformedObjectNameException e) {
                throw new IllegalArgumentException("Not a JMX name: " + candidate, e);
            } catch (JMException e) {
                throw new IllegalStateException("Cannot register " + candidate, e);
            }
        }
    }

    /** The names this node registered, in the order it registered them. */
    public synchronized List<ObjectName> names() {
        return new ArrayList<>(registered.values());
    }

    /** The name of the untagged gauge {@code domain:type=type,name=name} as this node registered it; null if not. */
    public synchronized ObjectName name(String domain, String type, String name) {
        return registered.get(domain + ":type=" + type + ",name=" + name);
    }

    /** Unregisters this node's gauges. */
    @Override
    public synchronized void close() {
        closed = true;
        for (ObjectName on : registered.values()) {
            try {
                server.unregisterMBean(on);
            } catch (InstanceNotFoundException e) {
                // already gone
            } catch (JMException e) {
                log.warn("Cannot unregister {}: {}", on, e.toString());
            }
        }
        registered.clear();
    }

    private static String value(String v) {
        String escaped = v.replace(":", "%3A");
        for (char c : escaped.toCharArray()) {
            if (c == ',' || c == '=' || c == '"' || c == '*' || c == '?' || c == '\n') {
                return ObjectName.quote(escaped);
            }
        }
        return escaped;
    }
}
