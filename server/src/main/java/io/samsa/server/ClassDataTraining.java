package io.samsa.server;

import io.samsa.controller.CreateTopicRequest;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.metadata.BrokerMetadata;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The launcher's class-data-sharing training run ({@code scripts/samsa}, JDK 17's dynamic archive,
 * {@code -XX:ArchiveClassesAtExit}): in this one JVM, Samsa's one-node mode starts and stops, then a three-node cluster
 * of combined nodes (on 127.0.0.1, ephemeral ports) starts, creates a topic of replication factor 3 and stops. The
 * archive then holds the classes that a node of either kind loads from its start to its first CreateTopics (Raft,
 * the controller's listener, registration, forwarding, partition hosting and the follower's fetcher): a node that
 * starts with it maps them instead of loading and linking them. {@code ClassDataTraining DIR}; exits 0 once everything
 * stopped, 1 when something failed (the launcher then throws the archive away).
 */
public final class ClassDataTraining {
    private static final long TIMEOUT_S = 60;

    private ClassDataTraining() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ClassDataTraining DIR");
            System.exit(2);
        }
        try {
            run(Path.of(args[0]));
            System.exit(0);
        } catch (Exception e) {
            System.err.println("samsa: the class-data training run failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static void run(Path dir) throws Exception {
        Map<String, String> single = new LinkedHashMap<>();
        single.put(BrokerConfig.LOG_DIRS, dir.resolve("single").toString());
        single.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0");
        SamsaBroker.start(BrokerConfig.load(null, single)).close();

        int[] ports = {freePort(), freePort(), freePort()};
        String voters = "1@127.0.0.1:" + ports[0] + ",2@127.0.0.1:" + ports[1] + ",3@127.0.0.1:" + ports[2];
        List<CompletableFuture<SamsaBroker>> starting = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            BrokerConfig config = BrokerConfig.from(node(id, voters, ports[id - 1], dir.resolve("node" + id)));
            starting.add(CompletableFuture.supplyAsync(() -> start(config)));
        }
        try {
            BrokerMetadata metadata = starting.get(0).get(TIMEOUT_S, TimeUnit.SECONDS).services().metadata();
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(TIMEOUT_S, TimeUnit.SECONDS);
            metadata.whenPublished(metadata.controller().createTopics(
                    List.of(CreateTopicRequest.of("training", 1, 3)), false)).get(TIMEOUT_S, TimeUnit.SECONDS);
        } finally {
            // All at once, as the launcher stops a cluster: a node stopped after the others would wait for a quorum.
            CompletableFuture.allOf(starting.stream().map(f -> f.thenAcceptAsync(SamsaBroker::close))
                    .toArray(CompletableFuture[]::new)).get(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    private static SamsaBroker start(BrokerConfig config) {
        try {
            return SamsaBroker.start(config);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Node {@code id} as {@code scripts/samsa cluster} configures it, its client listener on an ephemeral port. */
    private static Map<String, String> node(int id, String voters, int controllerPort, Path data) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", Integer.toString(id));
        c.put("controller.quorum.voters", voters);
        c.put(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put(BrokerConfig.LOG_DIRS, data.toString());
        c.put("offsets.topic.replication.factor", "3");
        c.put("transaction.state.log.replication.factor", "3");
        c.put("group.initial.rebalance.delay.ms", "0");
        return c;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
