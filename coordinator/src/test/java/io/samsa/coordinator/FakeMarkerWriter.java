package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

/**
 * A marker writer for tests: remembers every call and every partition's future; answers NONE at once unless told to
 * hold (then {@link #answer} completes them) or to fail a partition with a given error a number of times. Test thread
 * only.
 */
public final class FakeMarkerWriter implements TransactionMarkerWriter {
    /**
     * One marker sent: its request, its future, and where the coordinator's log stood when it was sent and when it was
     * answered (-1 until then), by {@link #position}.
     */
    public static final class Sent {
        final Markers markers;
        final TopicPartition partition;
        final CompletableFuture<ErrorCode> future;
        final int sentAt;
        int answeredAt = -1;
        ErrorCode answer;

        Sent(Markers markers, TopicPartition partition, CompletableFuture<ErrorCode> future, int sentAt) {
            this.markers = markers;
            this.partition = partition;
            this.future = future;
            this.sentAt = sentAt;
        }

        public Markers markers() {
            return markers;
        }

        public TopicPartition partition() {
            return partition;
        }

        public CompletableFuture<ErrorCode> future() {
            return future;
        }

        /** Answers this marker (with the log position stamped first). */
        void answer(ErrorCode code, int position) {
            answeredAt = position;
            answer = code;
            future.complete(code);
        }
    }

    /** Where the coordinator's log stands (tests that check marker order against it); 0 by default. */
    public IntSupplier position = () -> 0;

    public final List<Markers> calls = new ArrayList<>();
    public final List<Sent> sent = new ArrayList<>();
    /** Errors to answer, per partition, before NONE. */
    private final Map<TopicPartition, List<ErrorCode>> failures = new HashMap<>();
    public boolean hold;
    /** Thrown by the next call, if set. */
    public RuntimeException throwNext;

    @Override
    public List<CompletableFuture<ErrorCode>> writeMarkers(Markers markers) {
        calls.add(markers);
        if (throwNext != null) {
            RuntimeException e = throwNext;
            throwNext = null;
            throw e;
        }
        List<CompletableFuture<ErrorCode>> out = new ArrayList<>();
        for (TopicPartition tp : markers.partitions()) {
            CompletableFuture<ErrorCode> f = new CompletableFuture<>();
            sent.add(new Sent(markers, tp, f, position.getAsInt()));
            out.add(f);
        }
        if (!hold) {
            for (Sent s : sent.subList(sent.size() - out.size(), sent.size())) {
                s.answer(next(s.partition), position.getAsInt());
            }
        }
        return out;
    }

    private ErrorCode next(TopicPartition tp) {
        List<ErrorCode> f = failures.get(tp);
        return f == null || f.isEmpty() ? ErrorCode.NONE : f.remove(0);
    }

    /** {@code tp} answers {@code error} the next {@code times} times, then NONE. */
    public void fail(TopicPartition tp, ErrorCode error, int times) {
        List<ErrorCode> f = failures.computeIfAbsent(tp, k -> new ArrayList<>());
        for (int i = 0; i < times; i++) {
            f.add(error);
        }
    }

    /** Answers every held marker not answered yet (NONE unless failures say otherwise). */
    public void answer() {
        for (Sent s : new ArrayList<>(sent)) {
            if (!s.future().isDone()) {
                s.answer(next(s.partition()), position.getAsInt());
            }
        }
    }

    /** Markers sent so far, as "commit/abort producer epoch partition". */
    public List<String> log() {
        List<String> out = new ArrayList<>();
        for (Sent s : sent) {
            out.add((s.markers().commit() ? "commit " : "abort ") + s.markers().producerId() + " "
                    + s.markers().producerEpoch() + " " + s.partition());
        }
        return out;
    }
}
