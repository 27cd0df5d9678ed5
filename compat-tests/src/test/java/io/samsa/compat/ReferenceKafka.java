package io.samsa.compat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Apache Kafka as the reference broker: a single KRaft node (broker and controller) on loopback ports,
 * run from its jars ({@code compat-tests/target/deps/reference}, fetched by scripts/compat) with
 * {@code java} directly: {@code kafka.tools.StorageTool format}, then {@code kafka.Kafka}. Started and
 * stopped by this object only, by its own process handle; a JVM shutdown hook stops it too.
 */
public final class ReferenceKafka implements BrokerTarget {
    private final Process process;
    private final String bootstrap;
    private final String version;
    private final Thread hook;

    private ReferenceKafka(Process process, String bootstrap, String version) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.version = version;
        this.hook = new Thread(process::destroyForcibly, "stop-reference-kafka");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Formats {@code workDir} and starts a node; returns once it accepts connections. */
    public static ReferenceKafka start(Path jarDir, Path workDir, String version) throws IOException,
            InterruptedException {
        if (!Files.isDirectory(jarDir)) {
            throw new IOException("Apache Kafka jars not found in " + jarDir + " (scripts/compat --reference "
                    + "fetches them)");
        }
        Files.createDirectories(workDir);
        int port = freePort();
        int controllerPort = freePort();
        Path data = workDir.resolve("data");
        Path props = workDir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=5",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "") );
        String cp = jarDir.toAbsolutePath() + "/*";
        String java = ProcessHandle.current().info().command().orElse("java");
        Process format = new ProcessBuilder(java, "-Xmx256m", "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", "c2Ftc2EtY29tcGF0LXJlZg", "-c", props.toString())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IOException("kafka-storage format failed; see " + workDir.resolve("format.log"));
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-cp", cp,
                "kafka.Kafka", props.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("kafka.log").toFile()).start();
        ReferenceKafka k = new ReferenceKafka(p, "127.0.0.1:" + port, version);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!accepts(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                k.close();
                throw new IOException("Apache Kafka did not start; see " + workDir.resolve("kafka.log"));
            }
            Thread.sleep(100); // waiting for another process to bind its port
        }
        return k;
    }

    @Override
    public String name() {
        return "kafka-" + version;
    }

    @Override
    public String bootstrap() {
        return bootstrap;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
