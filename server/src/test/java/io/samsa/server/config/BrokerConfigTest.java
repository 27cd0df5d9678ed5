package io.samsa.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {

    @Test
    void defaultsAreKafkasExceptTheLoopbackListener() {
        BrokerConfig c = BrokerConfig.from(Map.of());
        assertEquals(1, c.getInt(BrokerConfig.NUM_PARTITIONS));
        assertEquals(1048588, c.getInt(BrokerConfig.MESSAGE_MAX_BYTES));
        assertEquals(104857600, c.getInt(BrokerConfig.SOCKET_REQUEST_MAX_BYTES));
        assertEquals(600000L, c.getLong(BrokerConfig.CONNECTIONS_MAX_IDLE_MS));
        assertEquals(50, c.getInt(BrokerConfig.OFFSETS_TOPIC_NUM_PARTITIONS));
        assertTrue(c.getBoolean(BrokerConfig.AUTO_CREATE_TOPICS_ENABLE));
        assertEquals(168L * 3_600_000L, c.logRetentionMs());
        assertEquals(List.of(new Endpoint("PLAINTEXT", "127.0.0.1", 9092, "PLAINTEXT")), c.listeners());
        assertEquals(c.listeners(), c.advertisedListeners());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals(1, c.nodeId());
    }

    @Test
    void retentionPrefersMillisThenMinutesThenHours() {
        assertEquals(120_000L, BrokerConfig.from(Map.of("log.retention.minutes", "2")).logRetentionMs());
        assertEquals(5L, BrokerConfig.from(Map.of("log.retention.minutes", "2", "log.retention.ms", "5"))
                .logRetentionMs());
        assertEquals(3_600_000L, BrokerConfig.from(Map.of("log.retention.hours", "1")).logRetentionMs());
    }

    @Test
    void invalidValuesNameTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("num.partitions", "zero")));
        assertEquals("num.partitions", e.key());
        assertTrue(e.getMessage().contains("num.partitions"), e.getMessage());
        assertEquals("num.partitions", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("num.partitions", "0"))).key());
        assertEquals("auto.create.topics.enable", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("auto.create.topics.enable", "yes"))).key());
        assertEquals("listeners", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("listeners", "PLAINTEXT://localhost"))).key());
        assertEquals("log.message.timestamp.type", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("log.message.timestamp.type", "Later"))).key());
    }

    /** KIP-390's levels as broker defaults: Kafka's ranges, gzip's -1 but not 0. */
    @Test
    void compressionLevelsAreCheckedAgainstTheirCodecsRange() {
        BrokerConfig defaults = BrokerConfig.from(Map.of());
        assertEquals(-1, defaults.getInt("compression.gzip.level"));
        assertEquals(9, defaults.getInt("compression.lz4.level"));
        assertEquals(3, defaults.getInt("compression.zstd.level"));
        assertEquals(-131072, BrokerConfig.from(Map.of("compression.zstd.level", "-131072"))
                .getInt("compression.zstd.level"));
        String[][] invalid = {{"compression.gzip.level", "0"}, {"compression.gzip.level", "10"},
            {"compression.gzip.level", "-2"}, {"compression.lz4.level", "18"}, {"compression.zstd.level", "23"}};
        for (String[] kv : invalid) {
            assertEquals(kv[0], assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of(kv[0], kv[1])),
                    String.join("=", kv)).key());
        }
    }

    @Test
    void unknownKeysAreKeptAndDoNotFail() {
        BrokerConfig c = BrokerConfig.from(Map.of("some.plugin.setting", "x"));
        assertTrue(c.isSet("some.plugin.setting"));
        assertFalse(BrokerConfig.keys().containsKey("some.plugin.setting"));
    }

    @Test
    void loadsServerPropertiesWithOverridesOnTop(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "# comment\nnode.id=3\nlisteners=PLAINTEXT://127.0.0.1:19092,"
                + "CONTROLLER://127.0.0.1:19093\ncontroller.listener.names=CONTROLLER\nnum.partitions=4\n");
        BrokerConfig c = BrokerConfig.load(file, Map.of("num.partitions", "6", "log.dirs", dir + "/a," + dir + "/b"));
        assertEquals(3, c.nodeId());
        assertEquals(6, c.getInt("num.partitions"));
        assertEquals(dir.resolve("a"), c.dataDir());
        assertEquals(2, c.listeners().size());
        assertEquals(List.of(new Endpoint("PLAINTEXT", "127.0.0.1", 19092, "PLAINTEXT")), c.advertisedListeners());
    }

    @Test
    void brokerIdIsAnAliasOfNodeId() {
        assertEquals(7, BrokerConfig.from(Map.of("broker.id", "7")).nodeId());
        assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of("broker.id", "7", "node.id", "8")));
    }

    @Test
    void everySecurityProtocolOfKafkaIsServedAndAnythingElseFailsStartUpNamingTheListener() {
        // By its name, with the default map: each maps to itself.
        for (String protocol : List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")) {
            BrokerConfig c = BrokerConfig.from(Map.of("listeners", "PLAINTEXT://127.0.0.1:9092,"
                    + (protocol.equals("PLAINTEXT") ? "" : protocol + "://127.0.0.1:9093")));
            assertEquals(protocol, c.listeners().get(c.listeners().size() - 1).securityProtocol());
        }
        // Mapped to something that is not a protocol, on a bound or an advertised listener.
        ConfigException mapped = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT://:9092,SASL-INTERNAL://:19093,CONTROLLER://:29093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL-INTERNAL:SASL_TLS,CONTROLLER:PLAINTEXT",
                "controller.listener.names", "CONTROLLER")));
        assertEquals("listener.security.protocol.map", mapped.key());
        assertTrue(mapped.getMessage().contains("Listener SASL-INTERNAL (listeners=SASL-INTERNAL://:19093) is mapped "
                + "to SASL_TLS, which is not a security protocol"), mapped.getMessage());
        assertEquals("listener.security.protocol.map", assertThrows(ConfigException.class, () -> BrokerConfig.from(
                Map.of("listeners", "PLAINTEXT://:9092,CLIENT://:9094",
                        "advertised.listeners", "PLAINTEXT://localhost:9092,CLIENT://localhost:9094",
                        "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CLIENT:CLEARTEXT"))).key());
    }

    @Test
    void theBrokersOwnClientsDoNotSpeakSasl() {
        assertEquals("security.inter.broker.protocol", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("security.inter.broker.protocol", "SASL_SSL"))).key());
        ConfigException own = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT://:9092,SASL_SSL://:9093", "inter.broker.listener.name", "SASL_SSL")));
        assertEquals("inter.broker.listener.name", own.key());
        assertTrue(own.getMessage().contains("security protocol SASL_SSL"), own.getMessage());
    }

    @Test
    void sslListenersAreServed() {
        BrokerConfig c = BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT://:9092,SSL-INTERNAL://:19093,CONTROLLER://:29093",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL-INTERNAL:SSL,CONTROLLER:SSL",
                "controller.listener.names", "CONTROLLER", "security.inter.broker.protocol", "SSL",
                "listener.name.ssl-internal.ssl.client.auth", "required"));
        assertEquals("SSL", c.listeners().get(1).securityProtocol());
        assertEquals("SSL", c.securityProtocolMap().get("CONTROLLER"));
        assertEquals("SSL", c.interBrokerListenerName());
        assertEquals("none", c.getString("ssl.client.auth"));
        assertEquals("ssl.client.auth", assertThrows(ConfigException.class,
                () -> BrokerConfig.from(Map.of("ssl.client.auth", "always"))).key());
    }

    @Test
    void aListenerWithoutAnyProtocolIsAnErrorAsInKafka() {
        ConfigException e = assertThrows(ConfigException.class, () -> BrokerConfig.from(Map.of(
                "listeners", "EXTERNAL://:9092", "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")));
        assertEquals("listener.security.protocol.map", e.key());
        assertTrue(e.getMessage().contains("No security protocol is defined for listener EXTERNAL"), e.getMessage());
    }

    @Test
    void plaintextListenersAndUnmappedControllerListenersStart() {
        BrokerConfig c = BrokerConfig.from(Map.of(
                "listeners", "PLAINTEXT_HOST://:9092,PLAINTEXT://:19092,CONTROLLER://:29093",
                "advertised.listeners", "PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092",
                "listener.security.protocol.map", "PLAINTEXT_HOST:PLAINTEXT,plaintext:plaintext",
                "controller.listener.names", "CONTROLLER"));
        assertEquals(List.of("PLAINTEXT", "PLAINTEXT", "PLAINTEXT"),
                c.listeners().stream().map(Endpoint::securityProtocol).toList());
        assertEquals(List.of(new Endpoint("PLAINTEXT_HOST", "localhost", 9092, "PLAINTEXT"),
                new Endpoint("PLAINTEXT", "broker", 19092, "PLAINTEXT")), c.advertisedListeners());
    }
}
