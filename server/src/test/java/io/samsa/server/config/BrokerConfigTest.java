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
}
