package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher, {@code scripts/samsa start}, as a user runs it: without {@code --config} it applies the quick-start
 * settings Kafka ships in its {@code server.properties}; with an explicit file, what the file leaves unset keeps
 * Kafka's code defaults; and a listener whose security protocol is not served stops start-up with a message naming
 * it. Runs the jar this build packaged ({@code SAMSA_SKIP_BUILD=1}).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LauncherIT {
    private static final Path ROOT = repositoryRoot();
    private static final Path SCRIPT = ROOT.resolve("scripts/samsa");

    /** The settings where Kafka's shipped server.properties differs from its code defaults, and both values. */
    private static final List<String[]> QUICK_START = List.of(
            new String[] {"group.initial.rebalance.delay.ms", "0", "3000"},
            new String[] {"offsets.topic.replication.factor", "1", "3"},
            new String[] {"transaction.state.log.replication.factor", "1", "3"},
            new String[] {"transaction.state.log.min.isr", "1", "2"});

    @Test
    void withoutConfigTheQuickStartSettingsOfKafkasServerPropertiesApply(@TempDir Path dir) throws Exception {
        Map<String, ConfigEntry> configs = describeBrokerStartedWith(dir, List.of());
        for (String[] s : QUICK_START) {
            assertEquals(s[1], configs.get(s[0]).value(), s[0]);
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, configs.get(s[0]).source(), s[0]);
        }
        assertEquals("1", configs.get("num.partitions").value());
    }

    @Test
    void anExplicitConfigFileKeepsKafkasCodeDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "num.partitions=2\n");
        Map<String, ConfigEntry> configs = describeBrokerStartedWith(dir, List.of("--config", file.toString()));
        for (String[] s : QUICK_START) {
            assertEquals(s[2], configs.get(s[0]).value(), s[0]);
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, configs.get(s[0]).source(), s[0]);
        }
        assertEquals("2", configs.get("num.partitions").value());
    }

    @Test
    void aListenerWithoutASecurityProtocolStopsStartUpWithItsName(@TempDir Path dir) throws Exception {
        int port = freePort();
        Process p = launcher(dir, List.of("start", "--data-dir", dir.resolve("data").toString(),
                "--override", "listeners=CLIENT://127.0.0.1:" + port,
                "--override", "listener.security.protocol.map=CLIENT:SASL_TLS"));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit");
        String out = Files.readString(dir.resolve("launcher.out"));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("samsa: Listener CLIENT (listeners=CLIENT://127.0.0.1:" + port
                + ") is mapped to SASL_TLS, which is not a security protocol"), out);
        assertFalse(out.contains("Samsa started"), out);
    }

    /** Starts a daemon with {@code extraArgs}, describes its broker configs, stops it. */
    private static Map<String, ConfigEntry> describeBrokerStartedWith(Path dir, List<String> extraArgs)
            throws Exception {
        Path data = dir.resolve("data");
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("start", "--daemon", "--data-dir", data.toString(),
                "--port", Integer.toString(port)));
        args.addAll(extraArgs);
        Process start = launcher(dir, args);
        assertTrue(start.waitFor(90, TimeUnit.SECONDS), "start --daemon did not return");
        assertEquals(0, start.exitValue(), Files.readString(dir.resolve("launcher.out")));
        try {
            Properties props = new Properties();
            props.put("bootstrap.servers", "127.0.0.1:" + port);
            try (Admin admin = Admin.create(props)) {
                ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
                Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
                Collection<ConfigEntry> entries = config.entries();
                return entries.stream().collect(Collectors.toMap(ConfigEntry::name, e -> e));
            }
        } finally {
            Process stop = launcher(dir, List.of("stop", "--data-dir", data.toString()));
            assertTrue(stop.waitFor(60, TimeUnit.SECONDS), "stop did not return");
            assertEquals(0, stop.exitValue(), Files.readString(dir.resolve("launcher.out")));
        }
    }

    private static Process launcher(Path dir, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("launcher.out").toFile());
        pb.environment().put("SAMSA_SKIP_BUILD", "1");
        return pb.start();
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("scripts/samsa"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("scripts/samsa not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
