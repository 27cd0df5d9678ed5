package io.samsa.metadata;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicConfigsTest {

    private static String invalid(String key, String value) {
        SamsaException e = assertThrows(SamsaException.class, () -> TopicConfigs.validate(key, value));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        return e.getMessage();
    }

    @Test
    void everyDefaultIsValidAndEveryKeyHasDocumentation() {
        assertEquals(37, TopicConfigs.keys().size()); // Kafka 4.4's topic configs
        for (TopicConfigs.Key k : TopicConfigs.keys().values()) {
            if (!k.name().equals("cleanup.policy")) {
                TopicConfigs.validate(k.name(), k.defaultValue());
            }
            assertTrue(!k.documentation().isEmpty(), k.name());
        }
        TopicConfigs.validate("cleanup.policy", "delete");
    }

    @Test
    void tlsStoreKeysAreDynamicBrokerConfigsPlainOrPerListener() {
        assertTrue(TopicConfigs.isDynamicBrokerOnly("ssl.keystore.location"));
        assertTrue(TopicConfigs.isDynamicBrokerOnly("listener.name.internal.ssl.truststore.certificates"));
        assertTrue(!TopicConfigs.isDynamicBrokerOnly("ssl.client.auth"));
        assertTrue(!TopicConfigs.isDynamicBrokerOnly("listener.name.ssl.keystore.location"));
        TopicConfigs.validateBrokerConfig("listener.name.ssl.ssl.keystore.location", "/etc/kafka/new.p12");
        SamsaException e = assertThrows(SamsaException.class,
                () -> TopicConfigs.validateBrokerConfig("ssl.keystore.password", null));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
    }

    @Test
    void validationMessagesNameTheKeyAndTheReason() {
        assertEquals("Unknown topic config name: foo.bar", invalid("foo.bar", "1"));
        assertEquals("Invalid value abc for configuration retention.ms: Not a number of type LONG",
            invalid("retention.ms", "abc"));
        assertEquals("Invalid value -2 for configuration retention.ms: Value must be at least -1",
            invalid("retention.ms", "-2"));
        assertTrue(invalid("compression.type", "brotli").contains("String must be one of"));
        assertTrue(invalid("preallocate", "yes").contains("true or false"));
        assertTrue(invalid("min.cleanable.dirty.ratio", "1.5").contains("no more than"));
        invalid("compression.gzip.level", "0");
        invalid("segment.bytes", "1000");
        invalid("segment.bytes", "3000000000");
        invalid("leader.replication.throttled.replicas", "1:x");
        invalid("message.timestamp.type", "createtime");
        invalid("retention.ms", null);
        TopicConfigs.validate("leader.replication.throttled.replicas", "0:1, 1:2");
        TopicConfigs.validate("follower.replication.throttled.replicas", "*");
        TopicConfigs.validate("cleanup.policy", "compact,delete");
        TopicConfigs.validate("compression.zstd.level", "-5");
        TopicConfigs.validate("retention.ms", " 100 ");
    }

    @Test
    void describeResolvesPrecedenceAndUnits() {
        Map<String, String> statics = Map.of("log.retention.hours", "24", "log.segment.bytes", "2097152");
        List<ConfigDescription> all = TopicConfigs.describe(Map.of("segment.bytes", "1048576"), Map.of(),
            Map.of("log.cleanup.policy", "compact"), statics);
        assertEquals(TopicConfigs.keys().size(), all.size());
        ConfigDescription retention = find(all, "retention.ms");
        assertEquals("86400000", retention.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, retention.source());
        assertEquals(ConfigType.LONG, retention.type());
        assertEquals(List.of(new ConfigDescription.Synonym("log.retention.hours", "24", ConfigSource.STATIC_BROKER_CONFIG),
            new ConfigDescription.Synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG)),
            retention.synonyms());
        ConfigDescription segment = find(all, "segment.bytes");
        assertEquals("1048576", segment.value());
        assertEquals(ConfigSource.TOPIC_CONFIG, segment.source());
        assertEquals(List.of(ConfigSource.TOPIC_CONFIG, ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DEFAULT_CONFIG),
            segment.synonyms().stream().map(ConfigDescription.Synonym::source).toList());
        ConfigDescription cleanup = find(all, "cleanup.policy");
        assertEquals("compact", cleanup.value());
        assertEquals(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, cleanup.source());
        ConfigDescription maxBytes = find(all, "max.message.bytes");
        assertEquals("1048588", maxBytes.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, maxBytes.source());
        assertEquals("message.max.bytes", maxBytes.synonyms().get(0).name());
        ConfigDescription throttled = find(all, "leader.replication.throttled.replicas");
        assertEquals("", throttled.value());
        assertEquals("604800000", TopicConfigs.effectiveValue("segment.ms", Map.of(), Map.of(), Map.of(), Map.of()));
    }

    @Test
    void brokerConfigsAreValidatedInTheirOwnUnits() {
        TopicConfigs.validateBrokerConfig("log.retention.hours", "1");
        TopicConfigs.validateBrokerConfig("log.retention.ms", "-1");
        assertThrows(SamsaException.class, () -> TopicConfigs.validateBrokerConfig("log.retention.hours", "x"));
        assertThrows(SamsaException.class, () -> TopicConfigs.validateBrokerConfig("num.io.threads", "8"));
        assertThrows(SamsaException.class, () -> TopicConfigs.validateBrokerConfig("log.segment.bytes", "5"));
    }

    @Test
    void theReplicationThrottleRatesAreDynamicBrokerConfigsOfNoTopicConfig() {
        assertTrue(TopicConfigs.isDynamicBrokerOnly("leader.replication.throttled.rate"));
        assertTrue(TopicConfigs.isDynamicBrokerOnly("follower.replication.throttled.rate"));
        assertNull(TopicConfigs.forBrokerSynonym("leader.replication.throttled.rate"));
        TopicConfigs.validateBrokerConfig("leader.replication.throttled.rate", "1048576");
        TopicConfigs.validateBrokerConfig("follower.replication.throttled.rate", "0");
        assertThrows(SamsaException.class,
            () -> TopicConfigs.validateBrokerConfig("leader.replication.throttled.rate", "-1"));
        assertThrows(SamsaException.class,
            () -> TopicConfigs.validateBrokerConfig("follower.replication.throttled.rate", "fast"));
    }

    @Test
    void anInternalTopicWithoutAPolicyOfItsOwnIsCompacted() {
        Map<String, String> statics = Map.of("log.cleanup.policy", "delete", "log.retention.hours", "1");
        TopicImage created = new TopicImage("__consumer_offsets", UUID.randomUUID(), new TreeMap<>(),
            Map.of("segment.bytes", "1048576"));
        Map<String, String> own = TopicConfigs.ownConfigs(created);
        assertEquals(Map.of("segment.bytes", "1048576", "cleanup.policy", "compact"), own);
        assertEquals("compact", TopicConfigs.effectiveValue("cleanup.policy", own, Map.of(), Map.of(), statics));
        assertEquals("compact", find(TopicConfigs.describe(own, Map.of(), Map.of(), statics), "cleanup.policy")
            .value());
        TopicImage txn = new TopicImage("__transaction_state", UUID.randomUUID(), new TreeMap<>(),
            Map.of());
        assertEquals(Map.of("cleanup.policy", "compact"), TopicConfigs.ownConfigs(txn));
        // An explicit policy stays, as in Kafka; other topics keep the broker's default.
        TopicImage explicit = new TopicImage("__consumer_offsets", UUID.randomUUID(),
            new TreeMap<>(), Map.of("cleanup.policy", "delete"));
        assertEquals(Map.of("cleanup.policy", "delete"), TopicConfigs.ownConfigs(explicit));
        TopicImage plain = new TopicImage("orders", UUID.randomUUID(), new TreeMap<>(), Map.of());
        assertEquals(Map.of(), TopicConfigs.ownConfigs(plain));
    }

    private static ConfigDescription find(List<ConfigDescription> all, String name) {
        return all.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }
}
