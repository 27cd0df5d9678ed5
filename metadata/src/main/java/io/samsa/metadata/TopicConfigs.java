package io.samsa.metadata;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every topic-level config Kafka documents: name, type, default, valid values, a one-line
 * description and the broker configs it falls back to (e.g. {@code retention.ms} falls back to
 * {@code log.retention.ms}, then {@code log.retention.minutes}, then {@code log.retention.hours}).
 * Validates values for CreateTopics and (Incremental)AlterConfigs, and resolves effective values
 * with their synonyms for DescribeConfigs. Stateless and thread-safe.
 */
public final class TopicConfigs {
    private static final String CLEANUP_POLICY = "cleanup.policy";

    /** Checks a parsed value; returns null when valid, else the reason. */
    @FunctionalInterface
    public interface Validator {
        String check(Object parsed);
    }

    /** A broker config that supplies a topic config's value, scaled by {@code unitMs} (1 unless minutes/hours). */
    public record BrokerSynonym(String name, long unit) {
    }

    /** The definition of one topic config. */
    public record Key(String name, ConfigType type, String defaultValue, Validator validator, String validValues,
                      String documentation, List<BrokerSynonym> synonyms) {
        public Key {
            synonyms = List.copyOf(synonyms);
        }
    }

    private static final long MAX = Long.MAX_VALUE;
    private static final Map<String, Key> KEYS;
    private static final Map<String, Key> BY_BROKER_SYNONYM;
    private static final Map<String, Long> BROKER_UNIT;

    static {
        List<Key> keys = new ArrayList<>();
        keys.add(new Key("cleanup.policy", ConfigType.LIST, "delete", oneOfList("compact", "delete"),
            "[compact, delete]", "How old segments are cleaned up: deleted by retention, compacted by key, or both.",
            syn("log.cleanup.policy")));
        keys.add(new Key("compression.gzip.level", ConfigType.INT, "-1", v -> {
            int i = (Integer) v;
            return i == -1 || (i >= 1 && i <= 9) ? null : "Value must be -1 or between 1 and 9";
        }, "[1,...,9] or -1", "Compression level when compression.type is gzip.", syn("compression.gzip.level")));
        keys.add(new Key("compression.lz4.level", ConfigType.INT, "9", range(1, 17), "[1,...,17]",
            "Compression level when compression.type is lz4.", syn("compression.lz4.level")));
        keys.add(new Key("compression.type", ConfigType.STRING, "producer",
            oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
            "[uncompressed, zstd, lz4, snappy, gzip, producer]",
            "The codec batches are stored with; producer keeps the producer's codec.", syn("compression.type")));
        keys.add(new Key("compression.zstd.level", ConfigType.INT, "3", range(-131072, 22), "[-131072,...,22]",
            "Compression level when compression.type is zstd.", syn("compression.zstd.level")));
        keys.add(new Key("delete.retention.ms", ConfigType.LONG, "86400000", range(0, MAX), "[0,...]",
            "How long tombstones are kept on a compacted topic.", syn("log.cleaner.delete.retention.ms")));
        keys.add(new Key("errors.deadletterqueue.group.enable", ConfigType.BOOLEAN, "false", v -> null, "",
            "Whether groups may use this topic as a dead-letter queue (Kafka 4.4).", List.of()));
        keys.add(new Key("file.delete.delay.ms", ConfigType.LONG, "60000", range(0, MAX), "[0,...]",
            "How long to wait before deleting a file from the filesystem.", syn("log.segment.delete.delay.ms")));
        keys.add(new Key("flush.messages", ConfigType.LONG, Long.toString(MAX), range(1, MAX), "[1,...]",
            "Messages written before the log is forced to disk.", syn("log.flush.interval.messages")));
        keys.add(new Key("flush.ms", ConfigType.LONG, Long.toString(MAX), range(0, MAX), "[0,...]",
            "Time after which the log is forced to disk.", syn("log.flush.interval.ms")));
        keys.add(new Key("follower.replication.throttled.replicas", ConfigType.LIST, "", TopicConfigs::throttled,
            "[partitionId]:[brokerId],[partitionId]:[brokerId],... or *",
            "Replicas whose log replication is throttled on the follower side.", List.of()));
        keys.add(new Key("index.interval.bytes", ConfigType.INT, "4096", range(0, Integer.MAX_VALUE), "[0,...]",
            "Bytes between entries of the offset index.", syn("log.index.interval.bytes")));
        keys.add(new Key("leader.replication.throttled.replicas", ConfigType.LIST, "", TopicConfigs::throttled,
            "[partitionId]:[brokerId],[partitionId]:[brokerId],... or *",
            "Replicas whose log replication is throttled on the leader side.", List.of()));
        keys.add(new Key("local.retention.bytes", ConfigType.LONG, "-2", range(-2, MAX), "[-2,...]",
            "Bytes kept locally before tiered segments are deleted; -2 means retention.bytes.",
            syn("log.local.retention.bytes")));
        keys.add(new Key("local.retention.ms", ConfigType.LONG, "-2", range(-2, MAX), "[-2,...]",
            "Time kept locally before tiered segments are deleted; -2 means retention.ms.",
            syn("log.local.retention.ms")));
        keys.add(new Key("max.compaction.lag.ms", ConfigType.LONG, Long.toString(MAX), range(1, MAX), "[1,...]",
            "Longest time a message stays ineligible for compaction.", syn("log.cleaner.max.compaction.lag.ms")));
        keys.add(new Key("max.decompressed.message.bytes", ConfigType.INT, "2147483639",
            range(0, Integer.MAX_VALUE), "[0,...]",
            "Largest size a compressed batch may decompress to (Kafka 4.4).", List.of()));
        keys.add(new Key("max.message.bytes", ConfigType.INT, "1048588", range(0, Integer.MAX_VALUE), "[0,...]",
            "Largest record batch size accepted, after compression.", syn("message.max.bytes")));
        keys.add(new Key("message.timestamp.after.max.ms", ConfigType.LONG, "3600000", range(0, MAX), "[0,...]",
            "How far a record's timestamp may be ahead of the broker's clock.",
            syn("log.message.timestamp.after.max.ms")));
        keys.add(new Key("message.timestamp.before.max.ms", ConfigType.LONG, Long.toString(MAX), range(0, MAX),
            "[0,...]", "How far a record's timestamp may be behind the broker's clock.",
            syn("log.message.timestamp.before.max.ms")));
        keys.add(new Key("message.timestamp.type", ConfigType.STRING, "CreateTime",
            oneOf("CreateTime", "LogAppendTime"), "[CreateTime, LogAppendTime]",
            "Whether record timestamps are the producer's or the broker's append time.",
            syn("log.message.timestamp.type")));
        keys.add(new Key("min.cleanable.dirty.ratio", ConfigType.DOUBLE, "0.5", v -> {
            double d = (Double) v;
            return d < 0 ? "Value must be at least 0.0" : d > 1 ? "Value must be no more than 1.0" : null;
        }, "[0,...,1]", "Dirty fraction of the log that makes it eligible for compaction.",
            syn("log.cleaner.min.cleanable.ratio")));
        keys.add(new Key("min.compaction.lag.ms", ConfigType.LONG, "0", range(0, MAX), "[0,...]",
            "Shortest time a message stays uncompacted.", syn("log.cleaner.min.compaction.lag.ms")));
        keys.add(new Key("min.insync.replicas", ConfigType.INT, "1", range(1, Integer.MAX_VALUE), "[1,...]",
            "Fewest in-sync replicas for an acks=all write to succeed.", syn("min.insync.replicas")));
        keys.add(new Key("preallocate", ConfigType.BOOLEAN, "false", v -> null, "",
            "Preallocate segment files on disk.", syn("log.preallocate")));
        keys.add(new Key("remote.copy.lag.bytes", ConfigType.LONG, "-1", range(-1, MAX), "[-1,...]",
            "Tiered storage: bytes a segment may wait before it is copied (Kafka 4.4).", List.of()));
        keys.add(new Key("remote.copy.lag.ms", ConfigType.LONG, "0", range(0, MAX), "[0,...]",
            "Tiered storage: time a segment may wait before it is copied (Kafka 4.4).", List.of()));
        keys.add(new Key("remote.log.copy.disable", ConfigType.BOOLEAN, "false", v -> null, "",
            "Stop copying segments to tiered storage.", List.of()));
        keys.add(new Key("remote.log.delete.on.disable", ConfigType.BOOLEAN, "false", v -> null, "",
            "Delete tiered data when tiered storage is turned off for the topic.", List.of()));
        keys.add(new Key("remote.storage.enable", ConfigType.BOOLEAN, "false", v -> null, "",
            "Enable tiered storage for the topic.", List.of()));
        keys.add(new Key("retention.bytes", ConfigType.LONG, "-1", v -> null, "",
            "Largest size a partition grows to before old segments are deleted; -1 for no limit.",
            syn("log.retention.bytes")));
        keys.add(new Key("retention.ms", ConfigType.LONG, "604800000", range(-1, MAX), "[-1,...]",
            "How long a segment is kept before deletion; -1 for no limit.",
            List.of(new BrokerSynonym("log.retention.ms", 1), new BrokerSynonym("log.retention.minutes", 60_000),
                new BrokerSynonym("log.retention.hours", 3_600_000))));
        keys.add(new Key("segment.bytes", ConfigType.INT, "1073741824", range(1048576, Integer.MAX_VALUE),
            "[1048576,...]", "Size of a log segment file.", syn("log.segment.bytes")));
        keys.add(new Key("segment.index.bytes", ConfigType.INT, "10485760", range(4, Integer.MAX_VALUE), "[4,...]",
            "Size of the offset index of a segment.", syn("log.index.size.max.bytes")));
        keys.add(new Key("segment.jitter.ms", ConfigType.LONG, "0", range(0, MAX), "[0,...]",
            "Random jitter subtracted from segment.ms to avoid rolling all at once.",
            List.of(new BrokerSynonym("log.roll.jitter.ms", 1), new BrokerSynonym("log.roll.jitter.hours", 3_600_000))));
        keys.add(new Key("segment.ms", ConfigType.LONG, "604800000", range(1, MAX), "[1,...]",
            "Time after which a segment is rolled even if not full.",
            List.of(new BrokerSynonym("log.roll.ms", 1), new BrokerSynonym("log.roll.hours", 3_600_000))));
        keys.add(new Key("unclean.leader.election.enable", ConfigType.BOOLEAN, "false", v -> null, "",
            "Allow a replica outside the ISR to become leader, at the risk of data loss.",
            syn("unclean.leader.election.enable")));

        Map<String, Key> byName = new LinkedHashMap<>();
        Map<String, Key> bySynonym = new HashMap<>();
        Map<String, Long> units = new HashMap<>();
        for (Key k : keys) {
            byName.put(k.name(), k);
            for (BrokerSynonym s : k.synonyms()) {
                bySynonym.put(s.name(), k);
                units.put(s.name(), s.unit());
            }
        }
        KEYS = Collections.unmodifiableMap(byName);
        BY_BROKER_SYNONYM = Collections.unmodifiableMap(bySynonym);
        BROKER_UNIT = Collections.unmodifiableMap(units);
    }

    private TopicConfigs() {
    }

    private static List<BrokerSynonym> syn(String name) {
        return List.of(new BrokerSynonym(name, 1));
    }

    private static Validator range(long min, long max) {
        return v -> {
            long l = ((Number) v).longValue();
            if (l < min) {
                return "Value must be at least " + min;
            }
            return l > max ? "Value must be no more than " + max : null;
        };
    }

    private static Validator oneOf(String... allowed) {
        List<String> list = List.of(allowed);
        return v -> list.contains(v) ? null : "String must be one of: " + String.join(", ", list);
    }

    private static Validator oneOfList(String... allowed) {
        List<String> list = List.of(allowed);
        return v -> {
            @SuppressWarnings("unchecked")
            List<String> items = (List<String>) v;
            if (items.isEmpty()) {
                return "The list must not be empty; valid values are " + list;
            }
            for (String item : items) {
                if (!list.contains(item)) {
                    return "Invalid value " + item + " in the list; valid values are " + list;
                }
            }
            return null;
        };
    }

    private static String throttled(Object v) {
        @SuppressWarnings("unchecked")
        List<String> items = (List<String>) v;
        if (items.size() == 1 && items.get(0).equals("*")) {
            return null;
        }
        for (String item : items) {
            String[] parts = item.split(":", -1);
            if (parts.length != 2 || !isNonNegativeInt(parts[0].trim()) || !isNonNegativeInt(parts[1].trim())) {
                return "Must be the wildcard (*) or a list of [partitionId]:[brokerId] pairs";
            }
        }
        return null;
    }

    private static boolean isNonNegativeInt(String s) {
        try {
            return Integer.parseInt(s) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Every topic config, by name, in alphabetical order. */
    public static Map<String, Key> keys() {
        return KEYS;
    }

    /** The definition of a topic config, or null when Kafka has no topic config by that name. */
    public static Key key(String name) {
        return KEYS.get(name);
    }

    /** The topic config a broker config supplies a default for, or null. */
    public static Key forBrokerSynonym(String brokerConfig) {
        return BY_BROKER_SYNONYM.get(brokerConfig);
    }

    /** Every broker config that supplies a topic config's default. */
    public static Set<String> brokerSynonyms() {
        return BY_BROKER_SYNONYM.keySet();
    }

    // ---------------------------------------------------------------- dynamic broker configs of no topic config

    /** Kafka's dynamic broker configs that supply no topic config: the replication throttles (bytes per second). */
    private static final Set<String> DYNAMIC_BROKER_ONLY = Set.of("leader.replication.throttled.rate",
        "follower.replication.throttled.rate");

    /**
     * Kafka's dynamic TLS key and trust store configs (issue 16), plain or as {@code listener.name.<l>.<key>}:
     * altering them reloads the listener's certificates.
     */
    private static final Set<String> DYNAMIC_SSL = Set.of("ssl.keystore.type", "ssl.keystore.location",
        "ssl.keystore.password", "ssl.key.password", "ssl.keystore.certificate.chain", "ssl.keystore.key",
        "ssl.truststore.type", "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.certificates");

    /** True for a dynamic broker config that is no topic config's default (replication throttles, TLS stores). */
    public static boolean isDynamicBrokerOnly(String name) {
        return DYNAMIC_BROKER_ONLY.contains(name) || isDynamicSsl(name);
    }

    /** True for a TLS store config, plain or a listener's own ({@code listener.name.<l>.ssl.keystore.location}). */
    public static boolean isDynamicSsl(String name) {
        if (name.startsWith("listener.name.")) {
            int dot = name.indexOf('.', "listener.name.".length());
            return dot > 0 && DYNAMIC_SSL.contains(name.substring(dot + 1));
        }
        return DYNAMIC_SSL.contains(name);
    }

    private static void validateBrokerOnly(String name, String value) {
        if (value == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Null value not supported for broker config: " + name);
        }
        if (isDynamicSsl(name)) {
            return;
        }
        long l = (Long) parse(name, ConfigType.LONG, value);
        if (l < 0) {
            throw invalid(name, value, "Value must be at least 0");
        }
    }

    /** Parses {@code value} as {@code type}; returns the parsed value or throws with Kafka's wording. */
    static Object parse(String name, ConfigType type, String value) {
        String v = value.trim();
        try {
            return switch (type) {
                case BOOLEAN -> {
                    if (v.equalsIgnoreCase("true")) {
                        yield Boolean.TRUE;
                    } else if (v.equalsIgnoreCase("false")) {
                        yield Boolean.FALSE;
                    }
                    throw invalid(name, value, "Expected value to be either true or false");
                }
                case INT, SHORT -> Integer.parseInt(v);
                case LONG -> Long.parseLong(v);
                case DOUBLE -> Double.parseDouble(v);
                case LIST -> {
                    List<String> items = new ArrayList<>();
                    if (!v.isEmpty()) {
                        for (String s : v.split(",", -1)) {
                            items.add(s.trim());
                        }
                    }
                    yield items;
                }
                default -> v;
            };
        } catch (NumberFormatException e) {
            throw invalid(name, value, "Not a number of type " + type);
        }
    }

    private static SamsaException invalid(String name, String value, String reason) {
        return new SamsaException(ErrorCode.INVALID_CONFIG,
            "Invalid value " + value + " for configuration " + name + ": " + reason);
    }

    /** Validates one topic config; throws {@code INVALID_CONFIG} naming the key. */
    public static void validate(String name, String value) {
        Key key = KEYS.get(name);
        if (key == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Unknown topic config name: " + name);
        }
        if (value == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Null value not supported for topic configs: " + name);
        }
        String reason = key.validator().check(parse(name, key.type(), value));
        if (reason != null) {
            throw invalid(name, value, reason);
        }
    }

    /** Validates a set of topic configs (sorted, so the first bad key reported is stable). */
    public static void validate(Map<String, String> configs) {
        for (Map.Entry<String, String> e : new TreeMap<>(configs).entrySet()) {
            validate(e.getKey(), e.getValue());
        }
    }

    /**
     * Validates a dynamic broker config: only the broker configs that supply topic defaults are
     * dynamic here; each is checked with its topic config's rules.
     */
    public static void validateBrokerConfig(String name, String value) {
        if (isDynamicBrokerOnly(name)) {
            validateBrokerOnly(name, value);
            return;
        }
        Key key = BY_BROKER_SYNONYM.get(name);
        if (key == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Unknown or non-dynamic broker config: " + name);
        }
        if (value == null) {
            throw new SamsaException(ErrorCode.INVALID_CONFIG, "Null value not supported for broker config: " + name);
        }
        Object parsed = parse(name, key.type(), value);
        long unit = BROKER_UNIT.get(name);
        if (unit != 1) {
            long l = (Long) parsed;
            if (l < -1 || l > Long.MAX_VALUE / unit) {
                throw invalid(name, value, "Value out of range");
            }
            parsed = l == -1 ? -1L : l * unit;
        }
        String reason = key.validator().check(parsed);
        if (reason != null) {
            throw invalid(name, value, reason);
        }
    }

    /** The effective value of a topic config: the first synonym in precedence order. */
    public static String effectiveValue(String name, Map<String, String> topicConfigs,
                                        Map<String, String> dynamicBrokerConfigs,
                                        Map<String, String> dynamicDefaultConfigs, Map<String, String> staticProps) {
        List<ConfigDescription.Synonym> s = synonyms(KEYS.get(name), topicConfigs, dynamicBrokerConfigs,
            dynamicDefaultConfigs, staticProps);
        return topicValue(s.get(0));
    }

    /** A synonym's value in the topic config's unit (broker configs in minutes or hours become ms). */
    private static String topicValue(ConfigDescription.Synonym s) {
        Long unit = s.source() == ConfigSource.TOPIC_CONFIG ? null : BROKER_UNIT.get(s.name());
        return unit == null || unit == 1 ? s.value() : convert(s.value(), unit);
    }

    /**
     * Describes every topic config of a topic with the given overrides: effective value, source
     * and synonyms (TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG,
     * STATIC_BROKER_CONFIG, DEFAULT_CONFIG, in that order). Broker configs given in minutes or
     * hours are converted to the topic config's milliseconds.
     */
    public static List<ConfigDescription> describe(Map<String, String> topicConfigs,
                                                   Map<String, String> dynamicBrokerConfigs,
                                                   Map<String, String> dynamicDefaultConfigs,
                                                   Map<String, String> staticProps) {
        List<ConfigDescription> out = new ArrayList<>(KEYS.size());
        for (Key key : KEYS.values()) {
            List<ConfigDescription.Synonym> synonyms = synonyms(key, topicConfigs, dynamicBrokerConfigs,
                dynamicDefaultConfigs, staticProps);
            ConfigDescription.Synonym first = synonyms.get(0);
            out.add(new ConfigDescription(key.name(), topicValue(first), first.source(), key.type(), false, false,
                key.documentation(), synonyms));
        }
        return out;
    }

    /**
     * Describes the configs of {@code topic} as broker {@code nodeId} resolves them from {@code image}: the
     * topic's overrides, this broker's and the cluster's dynamic configs, then {@code staticProps} (the broker's
     * properties) and the defaults. Returns null when the image has no such topic. Any thread.
     */
    public static List<ConfigDescription> describe(MetadataImage image, String topic, int nodeId,
                                                   Map<String, String> staticProps) {
        TopicImage t = image.topic(topic);
        if (t == null) {
            return null;
        }
        return describe(ownConfigs(t), image.brokerConfigs(Integer.toString(nodeId)), image.brokerConfigs(""),
            staticProps);
    }

    /**
     * The configs {@code topic} holds as the broker applies them: its overrides, and for an internal topic without
     * a {@code cleanup.policy} of its own (one a client created through CreateTopics without configs) the policy
     * {@code compact} rather than {@code log.cleanup.policy}, so that time retention never deletes group or
     * transaction state. An explicit policy is kept, as in Kafka. Any thread.
     */
    public static Map<String, String> ownConfigs(TopicImage topic) {
        Map<String, String> own = topic.configs();
        if (!TopicNames.isInternal(topic.name()) || own.containsKey(CLEANUP_POLICY)) {
            return own;
        }
        Map<String, String> out = new LinkedHashMap<>(own);
        out.put(CLEANUP_POLICY, "compact");
        return Collections.unmodifiableMap(out);
    }

    private static List<ConfigDescription.Synonym> synonyms(Key key, Map<String, String> topicConfigs,
                                                            Map<String, String> dynamicBroker,
                                                            Map<String, String> dynamicDefault,
                                                            Map<String, String> staticProps) {
        List<ConfigDescription.Synonym> out = new ArrayList<>(4);
        String topicValue = topicConfigs.get(key.name());
        if (topicValue != null) {
            out.add(new ConfigDescription.Synonym(key.name(), topicValue, ConfigSource.TOPIC_CONFIG));
        }
        addBrokerSynonyms(out, key, dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG);
        addBrokerSynonyms(out, key, dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        addBrokerSynonyms(out, key, staticProps, ConfigSource.STATIC_BROKER_CONFIG);
        if (key.synonyms().isEmpty()) {
            out.add(new ConfigDescription.Synonym(key.name(), key.defaultValue(), ConfigSource.DEFAULT_CONFIG));
        } else {
            BrokerSynonym last = key.synonyms().get(key.synonyms().size() - 1);
            String dflt = last.unit() == 1 ? key.defaultValue()
                : Long.toString(Long.parseLong(key.defaultValue()) / last.unit());
            out.add(new ConfigDescription.Synonym(last.name(), dflt, ConfigSource.DEFAULT_CONFIG));
        }
        return out;
    }

    private static String convert(String value, long unit) {
        try {
            long l = Long.parseLong(value.trim());
            return l < 0 ? Long.toString(l) : Long.toString(Math.multiplyExact(l, unit));
        } catch (NumberFormatException | ArithmeticException e) {
            return value;
        }
    }

    private static void addBrokerSynonyms(List<ConfigDescription.Synonym> out, Key key, Map<String, String> props,
                                          ConfigSource source) {
        for (BrokerSynonym s : key.synonyms()) {
            String v = props.get(s.name());
            if (v != null) {
                out.add(new ConfigDescription.Synonym(s.name(), v, source));
            }
        }
    }
}
