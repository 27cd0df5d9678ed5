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
 * replays them, transactional records and markers as such. Test thread only.
 */
public final class InMemoryPartitions implements CoordinatorPartitionWriter, CoordinatorLoader {
    /**
     * One entry of a partition's log: a record (producerId -1 unless it is in a transactional batch) or, with a
     * null record, a transaction marker.
     */
    public record Entry(CoordinatorRecord record, long producerId, short producerEpoch, boolean commit,
                        int coordinatorEpoch) {
        public boolean isMarker() {
            return record == null;
        }
    }

    private final Map<Integer, List<Entry>> logs = new HashMap<>();
    private final Queue<Runnable> uncommitted = new ArrayDeque<>();
    public boolean autoCommit = true;
    public ErrorCode failWith;
    public int appends;

    @Override
    public CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records) {
        List<Entry> entries = new ArrayList<>(records.size());
        for (CoordinatorRecord r : records) {
            entries.add(new Entry(r, -1, (short) -1, false, -1));
        }
        return write(partition, entries);
    }

    @Override
    public CompletableFuture<Long> appendTransactional(int partition, long producerId, short producerEpoch,
                                                       List<CoordinatorRecord> records) {
        List<Entry> entries = new ArrayList<>(records.size());
        for (CoordinatorRecord r : records) {
            entries.add(new Entry(r, producerId, producerEpoch, false, -1));
        }
        return write(partition, entries);
    }

    @Override
    public CompletableFuture<Long> appendEndTransaction(int partition, long producerId, short producerEpoch,
                                                        int coordinatorEpoch, boolean commit) {
        return write(partition, List.of(new Entry(null, producerId, producerEpoch, commit, coordinatorEpoch)));
    }

    private CompletableFuture<Long> write(int partition, List<Entry> entries) {
        appends++;
        if (failWith != null) {
            return CompletableFuture.failedFuture(new SamsaException(failWith, "injected"));
        }
        List<Entry> log = logs.computeIfAbsent(partition, p -> new ArrayList<>());
        log.addAll(entries);
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

    /** The records of {@code partition} (markers left out), in order. */
    public List<CoordinatorRecord> records(int partition) {
        List<CoordinatorRecord> out = new ArrayList<>();
        for (Entry e : entries(partition)) {
            if (!e.isMarker()) {
                out.add(e.record());
            }
        }
        return out;
    }

    /** Every entry of {@code partition}, markers included, in order. */
    public List<Entry> entries(int partition) {
        return logs.getOrDefault(partition, List.of());
    }

    @Override
    public CompletableFuture<Long> load(int partition, RecordSink sink) {
        List<Entry> log = entries(partition);
        for (int i = 0; i < log.size(); i++) {
            Entry e = log.get(i);
            if (e.isMarker()) {
                sink.acceptEndTransaction(i, e.producerId(), e.producerEpoch(), e.commit());
            } else if (e.producerId() >= 0) {
                sink.acceptTransactional(i, e.producerId(), e.producerEpoch(), e.record().key(), e.record().value());
            } else {
                sink.accept(i, e.record().key(), e.record().value());
            }
        }
        return CompletableFuture.completedFuture((long) log.size());
    }
}
