package io.samsa.server.security.tls;

import io.samsa.controller.AlterConfigOp;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.TopicConfigs;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Certificate reload without restart, as Kafka does it: {@code incrementalAlterConfigs} on this broker (or the
 * cluster default) setting a TLS store key ({@code listener.name.<l>.ssl.keystore.location}, {@code
 * ssl.truststore.certificates}, ...) reloads the listeners it concerns: new connections get the new certificate,
 * open ones stay up with theirs. Any alteration of those keys reloads, even to the same path (a renewed file).
 *
 * <p>Called on the metadata loader's executor; reads the stores there (the loader does not run on an event loop).
 */
public final class TlsReloader implements MetadataPublisher {
    private final String node;
    private final NodeTls tls;
    private Map<String, String> last = Map.of();
    private boolean first = true;

    public TlsReloader(int nodeId, NodeTls tls) {
        this.node = Integer.toString(nodeId);
        this.tls = tls;
    }

    @Override
    public String name() {
        return "tls-reloader";
    }

    @Override
    public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        Set<String> changed = delta.changedBrokerConfigs();
        // The first image also carries what was altered before this start.
        boolean look = first || changed.contains(node) || changed.contains("");
        first = false;
        if (!tls.any() || !look) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, String> dynamic = ssl(image.brokerConfigs(""));
        dynamic.putAll(ssl(image.brokerConfigs(node)));
        Set<String> touched = new HashSet<>(dynamic.keySet());
        touched.addAll(last.keySet());
        last = Map.copyOf(dynamic);
        if (!touched.isEmpty()) {
            tls.reload(dynamic, touched);
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Kafka's validation of a dynamic TLS change on the broker it names, or on any broker for the cluster default:
     * the stores the change leads to must load, else the change is refused (Kafka answers INVALID_REQUEST with this
     * message) instead of being committed and then ignored. A change for another broker is that broker's to check.
     * Reads the stores; changes nothing.
     *
     * @return null when the change can be applied (or concerns no TLS key of this node), else why not
     */
    public String check(MetadataImage image, String broker, List<AlterConfigOp> ops) {
        if (!tls.any() || !(broker.isEmpty() || broker.equals(node))) {
            return null;
        }
        Set<String> changed = new HashSet<>();
        for (AlterConfigOp op : ops) {
            if (TopicConfigs.isDynamicSsl(op.key())) {
                changed.add(op.key());
            }
        }
        if (changed.isEmpty()) {
            return null;
        }
        Map<String, String> defaults = ssl(image.brokerConfigs(""));
        Map<String, String> own = ssl(image.brokerConfigs(node));
        Map<String, String> target = broker.isEmpty() ? defaults : own;
        for (AlterConfigOp op : ops) {
            if (changed.contains(op.key()) && op.op() == AlterConfigOp.OpType.SET) {
                target.put(op.key(), op.value());
            } else if (changed.contains(op.key()) && op.op() == AlterConfigOp.OpType.DELETE) {
                target.remove(op.key());
            }
        }
        Map<String, String> dynamic = new HashMap<>(defaults);
        dynamic.putAll(own);
        return tls.validate(dynamic, changed);
    }

    private static Map<String, String> ssl(Map<String, String> configs) {
        Map<String, String> out = new HashMap<>();
        configs.forEach((k, v) -> {
            if (TopicConfigs.isDynamicSsl(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
