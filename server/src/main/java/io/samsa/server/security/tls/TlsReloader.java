package io.samsa.server.security.tls;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.metadata.TopicConfigs;
import java.util.HashMap;
import java.util.HashSet;
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
        Map<String, String> dynamic = new HashMap<>();
        image.brokerConfigs("").forEach((k, v) -> {
            if (TopicConfigs.isDynamicSsl(k)) {
                dynamic.put(k, v);
            }
        });
        image.brokerConfigs(node).forEach((k, v) -> {
            if (TopicConfigs.isDynamicSsl(k)) {
                dynamic.put(k, v);
            }
        });
        Set<String> touched = new HashSet<>(dynamic.keySet());
        touched.addAll(last.keySet());
        last = Map.copyOf(dynamic);
        if (!touched.isEmpty()) {
            tls.reload(dynamic, touched);
        }
        return CompletableFuture.completedFuture(null);
    }
}
