package io.samsa.server.partition;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.TopicImage;
import io.samsa.log.LogConfig;
import io.samsa.server.config.BrokerConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Computes a topic's effective configuration: its own overrides ({@link TopicConfigs#ownConfigs}: an internal
 * topic is compacted unless it says otherwise), else dynamic broker configs, else the static broker configuration,
 * else Kafka's defaults (the precedence DescribeConfigs reports).
 * Stateless and thread-safe.
 */
public final class TopicConfigResolver {
    private final BrokerConfig config;

    public TopicConfigResolver(BrokerConfig config) {
        this.config = config;
    }

    /** Every topic config of {@code topic} with its effective value (the topic may not exist yet). */
    public Map<String, String> effective(MetadataImage image, String topic) {
        TopicImage t = image.topic(topic);
        Map<String, String> overrides = t == null ? Map.of() : TopicConfigs.ownConfigs(t);
        Map<String, String> dynBroker = image.brokerConfigs(String.valueOf(config.nodeId()));
        Map<String, String> dynDefault = image.brokerConfigs("");
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : TopicConfigs.keys().keySet()) {
            String v = TopicConfigs.effectiveValue(name, overrides, dynBroker, dynDefault, config.originals());
            if (v != null) {
                out.put(name, v);
            }
        }
        return out;
    }

    /** The log settings of {@code topic}. */
    public LogConfig logConfig(MetadataImage image, String topic) {
        return LogConfig.fromMap(effective(image, topic));
    }
}
