package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.ConfigSource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;

import io.samsa.common.ManualClock;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** Helpers for controller tests: a deterministic config and a blocking wait on futures. */
final class ControllerTestSupport {
    static final List<Endpoint> ENDPOINTS = List.of(new Endpoint("PLAINTEXT", "localhost", 9092, "PLAINTEXT"));

    private ControllerTestSupport() {
    }

    /** A config with a manual clock and sequential ids, so runs are reproducible. */
    static ControllerConfig.Builder config(Path dir, Map<String, String> staticProps) {
        AtomicLong next = new AtomicLong(1);
        return ControllerConfig.builder(1)
            .clock(new ManualClock(1_700_000_000_000L))
            .staticProps(staticProps)
            .sessionCheckIntervalMs(Long.MAX_VALUE / 4)
            .uuids(() -> new UUID(0x5a5a_0000_0000_0000L, next.getAndIncrement()));
    }

    /** Starts a controller over the metadata log in {@code dir}. */
    static TestController start(Path dir, ControllerConfig config) throws java.io.IOException {
        return TestController.start(dir, config);
    }

    /** The snapshot files of the metadata log in {@code dir}, newest first. */
    static List<Path> snapshotFiles(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir.resolve(io.samsa.raft.RaftLog.DIR_NAME))) {
            return files.filter(p -> io.samsa.raft.SnapshotId.parse(p.getFileName().toString()) != null)
                .sorted(java.util.Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        }
    }

    static <T> T get(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
