package io.samsa.compat.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container entry point outside a container: {@code docker/entrypoint.sh} turns apache/kafka-style
 * environment variables into settings, and starts a broker from them that answers on the configured port.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class EntrypointIT {
    private static final Path SCRIPT = Path.of(System.getProperty("compat.root", "."))
            .resolve("../docker/entrypoint.sh").normalize();

    @Test
    void mapsKafkaEnvironmentVariablesLikeTheApacheKafkaImage(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("KAFKA_NODE_ID", "3", "KAFKA_PROCESS_ROLES", "broker,controller",
                "KAFKA_CONTROLLER_QUORUM_VOTERS", "3@kafka:9093", "KAFKA_LISTENER_NAME_X_SOME___THING__Y", "z",
                "KAFKA_HEAP_OPTS", "-Xmx1g", "CLUSTER_ID", "MkU3OEVBNTcwNTJENDM2Qk");
        String out = run(dir, env, "--print-config");
        assertEquals(List.of("log.dir=/tmp/kafka-logs", "controller.quorum.voters=3@kafka:9093",
                "listener.name.x.some-thing_y=z", "node.id=3", "process.roles=broker,controller",
                "cluster.id=MkU3OEVBNTcwNTJENDM2Qk"), settings(out));
    }

    @Test
    void withoutKafkaVariablesUsesTheSingleNodeDefaults(@TempDir Path dir) throws Exception {
        String out = run(dir, Map.of(), "--print-config");
        assertTrue(out.contains("listeners=PLAINTEXT://:9092,CONTROLLER://:9093\n"), out);
        assertTrue(out.contains("node.id=1\n"), out);
        assertTrue(out.contains("process.roles=broker,controller\n"), out);
        // Kafka's shipped server.properties (data in /tmp/kraft-combined-logs), the quick-start settings, and
        // apache/kafka's default cluster id.
        assertTrue(out.contains("log.dirs=/tmp/kraft-combined-logs\n"), out);
        assertTrue(out.contains("offsets.topic.replication.factor=1\n"), out);
        assertTrue(out.contains("group.initial.rebalance.delay.ms=0\n"), out);
        assertTrue(out.contains("cluster.id=5L6g3nShT-eMCtK--X86sw\n"), out);
        // A variable that is not a setting (JVM options) or CLUSTER_ID alone keeps the defaults.
        String jvmOnly = run(dir, Map.of("KAFKA_HEAP_OPTS", "-Xmx512m", "CLUSTER_ID", "abc"), "--print-config");
        assertTrue(jvmOnly.contains("node.id=1\n") && jvmOnly.contains("cluster.id=abc\n"), jvmOnly);
    }

    @Test
    void listenersDefaultToTheAdvertisedOnesOnAllInterfaces(@TempDir Path dir) throws Exception {
        String out = run(dir, Map.of("KAFKA_ADVERTISED_LISTENERS",
                "PLAINTEXT://broker:19092,PLAINTEXT_HOST://localhost:9092", "KAFKA_NODE_ID", "1"), "--print-config");
        assertTrue(out.contains("listeners=PLAINTEXT://0.0.0.0:19092,PLAINTEXT_HOST://0.0.0.0:9092\n"), out);
        // Set explicitly, they are kept.
        out = run(dir, Map.of("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://broker:19092",
                "KAFKA_LISTENERS", "PLAINTEXT://:19092"), "--print-config");
        assertTrue(out.contains("\nlisteners=PLAINTEXT://:19092\n"), out);
    }

    @Test
    void fileInputIsTheBaseAndVariablesOverrideIt(@TempDir Path dir) throws Exception {
        Path input = Files.createDirectories(dir.resolve("input"));
        Files.writeString(input.resolve("server.properties"), "process.roles=broker\nnum.partitions=2\n");
        Map<String, String> env = Map.of("SAMSA_FILE_INPUT_DIR", input.toString(),
                "KAFKA_PROCESS_ROLES", "broker,controller", "KAFKA_NODE_ID", "5");
        List<String> settings = settings(run(dir, env, "--print-config"));
        assertEquals(List.of("log.dir=/tmp/kafka-logs", "process.roles=broker", "num.partitions=2", "node.id=5",
                "process.roles=broker,controller", "cluster.id=5L6g3nShT-eMCtK--X86sw"), settings);
        // A file alone: no single-node defaults are added to it.
        assertEquals(List.of("log.dir=/tmp/kafka-logs", "process.roles=broker", "num.partitions=2",
                "cluster.id=5L6g3nShT-eMCtK--X86sw"),
                settings(run(dir, Map.of("SAMSA_FILE_INPUT_DIR", input.toString()), "--print-config")));
    }

    @Test
    void argumentsOfTheFormNameValueAreVariables(@TempDir Path dir) throws Exception {
        assertEquals(List.of("log.dir=/tmp/kafka-logs", "node.id=4", "cluster.id=5L6g3nShT-eMCtK--X86sw"),
                settings(run(dir, Map.of(), "KAFKA_NODE_ID=4", "--print-config")));
    }

    @Test
    void aControllerWithAdvertisedListenersIsRefusedAsApacheKafkaRefusesIt(@TempDir Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString(), "--print-config").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
        pb.environment().putAll(Map.of("KAFKA_PROCESS_ROLES", "controller",
                "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://x:9092", "SAMSA_CONFIG_DIR", dir.toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."), out);
    }

    /** The settings of a generated server.properties, comments left out. */
    private static List<String> settings(String config) {
        return config.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    @Test
    void startsABrokerFromEnvironmentVariables(@TempDir Path dir) throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        ProcessBuilder pb = new ProcessBuilder("bash", SCRIPT.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
        pb.environment().putAll(Map.of(
                "KAFKA_NODE_ID", "1",
                "KAFKA_PROCESS_ROLES", "broker,controller",
                "KAFKA_LISTENERS", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://127.0.0.1:" + port,
                "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@127.0.0.1:" + controllerPort,
                "KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER",
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "KAFKA_LOG_DIRS", dir.resolve("data").toString(),
                "KAFKA_HEAP_OPTS", "-Xmx256m",
                "SAMSA_CONFIG_DIR", dir.resolve("config").toString()));
        pb.environment().put("SAMSA_FILE_INPUT_DIR", dir.resolve("no-file-input").toString());
        pb.environment().put("SAMSA_CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(dir.resolve("out.log")).contains("Samsa started")) {
                assertTrue(p.isAlive(), "broker exited: " + Files.readString(dir.resolve("out.log")));
                assertTrue(System.nanoTime() < deadline, "broker did not start");
                Thread.sleep(50); // waiting for another process's start-up line
            }
            assertEquals(0, apiVersionsError(port), "ApiVersions error code");
            String props = Files.readString(dir.resolve("config/server.properties"));
            assertTrue(props.contains("advertised.listeners=PLAINTEXT://127.0.0.1:" + port + "\n"), props);
        } finally {
            p.destroy(); // SIGTERM to the broker itself: the script exec's java
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertTrue(Files.isDirectory(dir.resolve("data")), "data directory from KAFKA_LOG_DIRS");
    }

    private static String run(Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.equals("CLUSTER_ID"));
        pb.environment().put("SAMSA_FILE_INPUT_DIR", dir.resolve("no-file-input").toString());
        pb.environment().putAll(env);
        pb.environment().put("SAMSA_CONFIG_DIR", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static int apiVersionsError(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            RequestHeader h = new RequestHeader().setRequestApiKey((short) 18).setRequestApiVersion((short) 3)
                    .setCorrelationId(42).setClientId("entrypoint-test");
            ApiVersionsRequest body = new ApiVersionsRequest().setClientSoftwareName("t").setClientSoftwareVersion("1");
            int size = h.size((short) 2) + body.size((short) 3);
            ByteBuf buf = Unpooled.buffer(size + 4).writeInt(size);
            h.write(buf, (short) 2);
            body.write(buf, (short) 3);
            s.getOutputStream().write(buf.array(), 0, buf.readableBytes());
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] resp = new byte[in.readInt()];
            in.readFully(resp);
            ByteBuf rb = Unpooled.wrappedBuffer(resp);
            ResponseHeader rh = new ResponseHeader();
            rh.read(rb, (short) 0);
            assertEquals(42, rh.correlationId());
            ApiVersionsResponse r = new ApiVersionsResponse();
            r.read(rb, (short) 3);
            return r.errorCode();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
