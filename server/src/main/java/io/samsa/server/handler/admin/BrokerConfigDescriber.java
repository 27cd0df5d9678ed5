package io.samsa.server.handler.admin;

import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigSource;
import io.samsa.metadata.ConfigType;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicConfigs;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Describes the BROKER config resource as Kafka does (KIP-226): for this node every broker config
 * (static keys, their defaults, and the dynamic ones the controller stores); for the cluster-wide
 * default resource (empty name) only the dynamic default configs.
 *
 * <p>Each config's synonyms are the broker configs that can supply it (e.g. {@code log.retention.ms},
 * {@code log.retention.minutes}, {@code log.retention.hours}), listed by source in precedence order
 * (dynamic per-broker, dynamic default, static, default) and starting at the config itself; the first
 * gives the value and source. A listener's own key ({@code listener.name.<l>.ssl.keystore.location}, or
 * {@code listener.name.<l>.<mechanism>.sasl.jaas.config} for a SASL mechanism's) has the key it overrides as its
 * synonym and takes that key's type, as Kafka's {@code DynamicBrokerConfig.brokerConfigSynonyms} does. Configs that
 * the controller accepts dynamically are not read-only; passwords and configs of unknown type are sensitive and
 * their values are null. Stateless; any thread.
 */
final class BrokerConfigDescriber {
    private static final String LISTENER_PREFIX = "listener.name.";
    /** The SASL mechanisms whose own keys a listener may set: {@code listener.name.<l>.<mechanism>.<key>}. */
    private static final Set<String> MECHANISMS = Set.of("plain", "scram-sha-256", "scram-sha-512", "oauthbearer",
            "gssapi");

    private final BrokerConfig config;

    BrokerConfigDescriber(BrokerConfig config) {
        this.config = config;
    }

    /** This node's configs, as of {@code image}. */
    List<ConfigDescription> describeNode(MetadataImage image) {
        Map<String, String> dynamicBroker = image.brokerConfigs(Integer.toString(config.nodeId()));
        Map<String, String> dynamicDefault = image.brokerConfigs("");
        Set<String> names = new LinkedHashSet<>(BrokerConfig.keys().keySet());
        names.addAll(new TreeSet<>(TopicConfigs.brokerSynonyms()));
        names.addAll(config.originals().keySet());
        names.addAll(dynamicBroker.keySet());
        names.addAll(dynamicDefault.keySet());
        List<ConfigDescription> out = new ArrayList<>(names.size());
        for (String name : names) {
            out.add(describe(name, dynamicBroker, dynamicDefault, true));
        }
        return out;
    }

    /** The cluster-wide dynamic default configs, as of {@code image}. */
    List<ConfigDescription> describeClusterDefault(MetadataImage image) {
        Map<String, String> dynamicDefault = image.brokerConfigs("");
        List<ConfigDescription> out = new ArrayList<>(dynamicDefault.size());
        for (String name : new TreeSet<>(dynamicDefault.keySet())) {
            out.add(describe(name, Map.of(), dynamicDefault, false));
        }
        return out;
    }

    private ConfigDescription describe(String name, Map<String, String> dynamicBroker,
                                       Map<String, String> dynamicDefault, boolean perBroker) {
        TopicConfigs.Key topicKey = TopicConfigs.forBrokerSynonym(name);
        String base = listenerBase(name);
        List<String> group = new ArrayList<>();
        if (topicKey != null) {
            for (TopicConfigs.BrokerSynonym s : topicKey.synonyms()) {
                group.add(s.name());
            }
        } else {
            group.add(name);
            if (base != null) {
                group.add(base);
            }
        }
        List<ConfigDescription.Synonym> synonyms = new ArrayList<>();
        if (perBroker) {
            add(synonyms, group, dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG);
        }
        add(synonyms, group, dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        add(synonyms, group, config.originals(), ConfigSource.STATIC_BROKER_CONFIG);
        for (String member : group) {
            String dflt = defaultValue(member);
            if (dflt != null) {
                synonyms.add(new ConfigDescription.Synonym(member, dflt, ConfigSource.DEFAULT_CONFIG));
            }
        }
        // Synonyms listed before the config itself (e.g. log.retention.ms when describing
        // log.retention.hours) do not apply to it.
        int first = 0;
        while (first < synonyms.size() && !synonyms.get(first).name().equals(name)) {
            first++;
        }
        synonyms = synonyms.subList(first, synonyms.size());
        ConfigType type = type(base != null ? base : name);
        boolean sensitive = type == null || type == ConfigType.PASSWORD;
        if (sensitive) {
            List<ConfigDescription.Synonym> hidden = new ArrayList<>(synonyms.size());
            for (ConfigDescription.Synonym s : synonyms) {
                hidden.add(new ConfigDescription.Synonym(s.name(), null, s.source()));
            }
            synonyms = hidden;
        }
        String value = synonyms.isEmpty() ? null : synonyms.get(0).value();
        ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
        boolean readOnly = true;
        for (String member : group) {
            if (TopicConfigs.forBrokerSynonym(member) != null) {
                readOnly = false;
            }
        }
        return new ConfigDescription(name, sensitive ? null : value, source, type == null ? ConfigType.UNKNOWN : type,
                readOnly, sensitive, documentation(base != null ? base : name, topicKey), synonyms);
    }

    /**
     * The broker key that {@code name} overrides for one listener: {@code ssl.keystore.password} for
     * {@code listener.name.<l>.ssl.keystore.password}, {@code sasl.jaas.config} for
     * {@code listener.name.<l>.plain.sasl.jaas.config}; null when {@code name} is no listener's key or overrides no
     * key Samsa knows (its type is then unknown, and it stays sensitive).
     */
    private static String listenerBase(String name) {
        if (!name.startsWith(LISTENER_PREFIX)) {
            return null;
        }
        int dot = name.indexOf('.', LISTENER_PREFIX.length());
        if (dot < 0) {
            return null;
        }
        String rest = name.substring(dot + 1);
        if (BrokerConfig.keys().containsKey(rest)) {
            return rest;
        }
        int mechanismEnd = rest.indexOf('.');
        if (mechanismEnd > 0 && MECHANISMS.contains(rest.substring(0, mechanismEnd))
                && BrokerConfig.keys().containsKey(rest.substring(mechanismEnd + 1))) {
            return rest.substring(mechanismEnd + 1);
        }
        return null;
    }

    private static void add(List<ConfigDescription.Synonym> out, List<String> group, Map<String, String> values,
                            ConfigSource source) {
        for (String member : group) {
            String v = values.get(member);
            if (v != null) {
                out.add(new ConfigDescription.Synonym(member, v, source));
            }
        }
    }

    /** Kafka's default of a broker config: the broker key's, else the topic config's in this unit. */
    private static String defaultValue(String name) {
        ConfigKey key = BrokerConfig.keys().get(name);
        if (key != null) {
            return key.defaultValue();
        }
        TopicConfigs.Key topicKey = TopicConfigs.forBrokerSynonym(name);
        if (topicKey == null) {
            return null;
        }
        for (TopicConfigs.BrokerSynonym s : topicKey.synonyms()) {
            if (s.name().equals(name) && s.unit() != 1) {
                return Long.toString(Long.parseLong(topicKey.defaultValue()) / s.unit());
            }
        }
        return topicKey.defaultValue();
    }

    private static ConfigType type(String name) {
        ConfigKey key = BrokerConfig.keys().get(name);
        if (key != null) {
            return ConfigType.valueOf(key.type().name());
        }
        TopicConfigs.Key topicKey = TopicConfigs.forBrokerSynonym(name);
        return topicKey == null ? null : topicKey.type();
    }

    private static String documentation(String name, TopicConfigs.Key topicKey) {
        ConfigKey key = BrokerConfig.keys().get(name);
        if (key != null) {
            return key.doc();
        }
        return topicKey == null ? null : topicKey.documentation();
    }
}
