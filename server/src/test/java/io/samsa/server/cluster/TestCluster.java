package io.samsa.server.cluster;

import io.samsa.metadata.TopicImage;
import io.samsa.replication.Partition;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Combined nodes (broker and controller, each a voter) for the cluster ITs whose listeners differ from the plaintext
 * ones of {@link QuorumClusterIT#combinedNode}: each test changes a node's configuration, the nodes start at once (a
 * voter waits for a majority), and {@link #close} quiesces replication, halts them and deletes their data.
 */
final class TestCluster implements AutoCloseable {
    final Path dir;
    final int[] controllerPorts;
    final String voters;
    final List<SamsaBroker> nodes = new ArrayList<>();

    TestCluster(String name, int size) throws IOException {
        dir = Files.createTempDirectory(name);
        controllerPorts = new int[size];
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < size; i++) {
            controllerPorts[i] = QuorumClusterIT.freePort();
            v.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(controllerPorts[i]);
        }
        voters = v.toString();
    }

    /** Node {@code id}'s (1-based) plaintext configuration, before a test changes it. */
    Map<String, String> config(int id) {
        return new LinkedHashMap<>(QuorumClusterIT.combinedNode(id, voters, controllerPorts[id - 1],
                dir.resolve("node" + id)));
    }

    /** Starts every node with its {@link #config} changed by {@code change}; returns once all have started. */
    TestCluster start(BiConsumer<Integer, Map<String, String>> change) throws Exception {
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= controllerPorts.length; id++) {
            Map<String, String> c = config(id);
            change.accept(id, c);
            starting.add(CompletableFuture.supplyAsync(() -> start(c)));
        }
        for (CompletableFuture<SamsaBroker> f : starting) {
            nodes.add(f.get(90, TimeUnit.SECONDS));
        }
        return this;
    }

    static SamsaBroker start(Map<String, String> config) {
        try {
            return SamsaBroker.start(BrokerConfig.from(config));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The node of id {@code id}. */
    SamsaBroker node(int id) {
        return nodes.get(id - 1);
    }

    /** Partition 0's leader of {@code topic} in {@code node}'s image once it is neither none nor {@code not}. */
    static int awaitLeader(SamsaBroker node, String topic, int not) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int leader = -1;
        while (System.nanoTime() < deadline) {
            TopicImage t = node.services().metadata().image().topic(topic);
            leader = t == null ? -1 : t.partition(0).leader();
            if (leader > 0 && leader != not) {
                return leader;
            }
            Thread.sleep(50);
        }
        return leader;
    }

    /** Waits until {@code p}'s log end offset and high watermark reach {@code end} (30 s at most). */
    static void awaitEnd(Partition p, long end) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((p.logEndOffset() < end || p.highWatermark() < end) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        QuorumClusterIT.quiesceReplication(nodes);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).halt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
