package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.metadata.ConfigType;
import io.samsa.server.config.BrokerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BROKER config resource: values, sources, synonyms, read-only and sensitive flags. */
class BrokerConfigDescriberTest {
    @TempDir
    Path dir;

    private static ConfigDescription find(List<ConfigDescription> configs, String name) {
        for (ConfigDescription c : configs) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no config " + name);
    }

    @Test
    void synonymsStartAtTheConfigAndFollowPrecedence() throws Exception {
        Map<String, String> props = Map.of("log.retention.minutes", "30", "num.partitions", "4",
                "some.plugin.secret", "hunter2");
        BrokerConfig config = BrokerConfig.from(props);
        try (HandlerHarness h = new HandlerHarness(dir, props)) {
            h.incrementalAlterConfigs(List.of(new AlterConfigsRequest(ConfigResource.broker(1),
                    List.of(AlterConfigOp.set("log.retention.ms", "5000")))));
            h.incrementalAlterConfigs(List.of(new AlterConfigsRequest(ConfigResource.clusterDefault(),
                    List.of(AlterConfigOp.set("log.retention.hours", "2")))));
            BrokerConfigDescriber describer = new BrokerConfigDescriber(config);
            List<ConfigDescription> node = describer.describeNode(h.metadata.image());

            ConfigDescription ms = find(node, "log.retention.ms");
            assertEquals("5000", ms.value());
            assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, ms.source());
            assertEquals(List.of(
                    new ConfigDescription.Synonym("log.retention.ms", "5000", ConfigSource.DYNAMIC_BROKER_CONFIG),
                    new ConfigDescription.Synonym("log.retention.hours", "2",
                            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                    new ConfigDescription.Synonym("log.retention.minutes", "30", ConfigSource.STATIC_BROKER_CONFIG),
                    new ConfigDescription.Synonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG)),
                    ms.synonyms());
            assertFalse(ms.readOnly());

            // Synonyms before the config itself do not apply to it.
            ConfigDescription minutes = find(node, "log.retention.minutes");
            assertEquals("30", minutes.value());
            assertEquals(ConfigSource.STATIC_BROKER_CONFIG, minutes.source());
            assertEquals("log.retention.minutes", minutes.synonyms().get(0).name());

            ConfigDescription partitions = find(node, "num.partitions");
            assertEquals("4", partitions.value());
            assertEquals(ConfigSource.STATIC_BROKER_CONFIG, partitions.source());
            assertTrue(partitions.readOnly());
            assertEquals(ConfigType.INT, partitions.type());

            ConfigDescription threads = find(node, "num.io.threads");
            assertEquals("8", threads.value());
            assertEquals(ConfigSource.DEFAULT_CONFIG, threads.source());

            ConfigDescription unknown = find(node, "some.plugin.secret");
            assertTrue(unknown.sensitive(), "a config of unknown type is treated as sensitive");
            assertNull(unknown.value());
            assertNull(unknown.synonyms().get(0).value());

            List<ConfigDescription> cluster = describer.describeClusterDefault(h.metadata.image());
            assertEquals(1, cluster.size());
            assertEquals("log.retention.hours", cluster.get(0).name());
            assertEquals("2", cluster.get(0).value());
            assertEquals(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, cluster.get(0).source());
        }
    }
}
