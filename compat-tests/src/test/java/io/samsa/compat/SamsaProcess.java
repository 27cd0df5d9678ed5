package io.samsa.compat;

import io.samsa.server.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Samsa broker as a process of its own ({@link Main}, as {@code scripts/samsa start} runs it), on a
 * fixed loopback port and data directory that outlive it: {@link #kill} sends SIGKILL and {@link #start} brings the
 * broker back on the same directory, through crash recovery. Its log is {@code broker.log} in the directory's
 * parent. Not thread-safe: use from the test's thread.
 */
public final class SamsaProcess implements AutoCloseable {
    private final int port;
    private final Path readyFile;
    private final ChildJvm jvm;

    private SamsaProcess(int port, Path readyFile, ChildJvm jvm) {
        this.port = port;
        this.readyFile = readyFile;
        this.jvm = jvm;
    }

    /**
     * A broker on 127.0.0.1:{@code port} keeping its data in {@code dir}/data, with the quick-start settings of a
     * one-node cluster (internal topics with one replica, no initial rebalance delay) and {@code overrides}; not
     * started yet.
     */
    public static SamsaProcess of(Path dir, int port, Map<String, String> overrides) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(),
                "--port", Integer.toString(port), "--ready-file", dir.resolve("ready").toString()));
        Map<String, String> quickStart = Map.of("offsets.topic.replication.factor", "1",
                "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1",
                "group.initial.rebalance.delay.ms", "0");
        quickStart.forEach((k, v) -> {
            if (!overrides.containsKey(k)) {
                args.add("--override");
                args.add(k + "=" + v);
            }
        });
        overrides.forEach((k, v) -> {
            args.add("--override");
            args.add(k + "=" + v);
        });
        ChildJvm jvm = ChildJvm.of("samsa:" + port, dir.resolve("broker.log"),
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), Main.class,
                args.toArray(String[]::new));
        return new SamsaProcess(port, dir.resolve("ready"), jvm);
    }

    /** Starts the broker and returns once it answers requests (it writes its ready file after binding). */
    public SamsaProcess start() throws IOException, InterruptedException {
        Files.deleteIfExists(readyFile);
        jvm.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(readyFile)) {
            if (!jvm.isAlive()) {
                throw new IllegalStateException("Samsa exited during start-up; see " + jvm.output());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Samsa did not start in 60 s; see " + jvm.output());
            }
            Thread.sleep(50);
        }
        return this;
    }

    /** {@code kill -9} of the broker's process. */
    public void kill() throws InterruptedException {
        jvm.kill();
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return jvm.pid();
    }

    @Override
    public void close() throws InterruptedException {
        jvm.stop();
    }
}
