package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * Fake coordinator partitions for tests: a writer that keeps each partition's records in memory (committing
 * at once, or when {@link #commitAll} is called if {@code autoCommit} is off, or failing) and a loader that
 * replays them. Test thread only.
 */
public final class InMemoryPartitions implements CoordinatorPartitionWriter, CoordinatorLoader {
    private final Map<Integer, List<CoordinatorRecord>> logs = new HashMap<>();
    private final Queue<Runnable> uncommitted = new ArrayDeque<>();
    public boolean autoCommit = true;
    public ErrorCode failWith;
    public int appends;

    @Override
    public CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records) {
        appends++;
        if (failWith != null) {
            return CompletableFuture.failedFuture(new SamsaException(failWith, "injected"));
        }
        List<CoordinatorRecord> log = logs.computeIfAbsent(partition, p -> new ArrayList<>());
        log.addAll(records);
        long end = log.size();
        CompletableFuture<Long> f = new CompletableFuture<>();
        if (autoCommit) {
            f.complete(end);
        } else {
            uncommitted.add(() -> f.complete(end));
        }
        return f;
    }

    /** Commits every pending append, in order. */
    public void commitAll() {
        Runnable r;
        while ((r = uncommitted.poll()) != null) {
            r.run();
        }
    }

    public int pending() {
        return uncommitted.size();
    }

    public List<CoordinatorRecord> records(int partition) {
        return logs.getOrDefault(partition, List.of());
    }

    @Override
    public CompletableFuture<Long> load(int partition, RecordSink sink) {
        List<CoordinatorRecord> log = logs.getOrDefault(partition, List.of());
        for (int i = 0; i < log.size(); i++) {
            sink.accept(i, log.get(i).key(), log.get(i).value());
        }
        return CompletableFuture.completedFuture((long) log.size());
    }
}
