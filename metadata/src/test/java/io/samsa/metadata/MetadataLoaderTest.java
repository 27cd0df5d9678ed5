package io.samsa.metadata;

import io.samsa.common.SerialExecutor;
import io.samsa.wire.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.samsa.metadata.MetadataDeltaTest.clusterId;
import static io.samsa.metadata.MetadataDeltaTest.partition;
import static io.samsa.metadata.MetadataDeltaTest.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker side: images published in order, hosting before handlers, retries, late publishers. */
class MetadataLoaderTest {
    private static final UUID A = new UUID(1, 1);
    private static final UUID B = new UUID(2, 2);

    /** One thread of execution the test drives, with a virtual clock for delayed tasks. */
    private static final class TestExecutor implements SerialExecutor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private final PriorityQueue<Object[]> delayed = new PriorityQueue<>((a, b) -> Long.compare((long) a[0],
            (long) b[0]));
        private long now;
        private long seq;
        private boolean running;
        final List<Long> delays = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        @Override
        public Cancellable schedule(Runnable task, long delayMs) {
            delays.add(delayMs);
            Object[] entry = {now + delayMs, seq++, task};
            delayed.add(entry);
            return () -> delayed.remove(entry);
        }

        @Override
        public boolean inExecutor() {
            return running;
        }

        /** Runs every task that is due, and lets time pass to run the delayed ones too when {@code advance}. */
        void run(boolean advance) {
            while (true) {
                Runnable t = tasks.poll();
                if (t == null && advance && !delayed.isEmpty()) {
                    Object[] next = delayed.poll();
                    now = (long) next[0];
                    t = (Runnable) next[2];
                }
                if (t == null) {
                    return;
                }
                running = true;
                try {
                    t.run();
                } finally {
                    running = false;
                }
            }
        }
    }

    /** A publisher whose futures the test completes, recording every call. */
    private static final class Recording implements MetadataPublisher {
        final String name;
        final List<String> log;
        final List<MetadataDelta> deltas = new ArrayList<>();
        final List<MetadataImage> images = new ArrayList<>();
        final ArrayDeque<CompletableFuture<Void>> open = new ArrayDeque<>();
        boolean autoComplete;

        Recording(String name, List<String> log, boolean autoComplete) {
            this.name = name;
            this.log = log;
            this.autoComplete = autoComplete;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
            log.add(name + "@" + image.offset());
            deltas.add(delta);
            images.add(image);
            if (autoComplete) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            open.add(f);
            return f;
        }

        void completeNext() {
            open.poll().complete(null);
        }

        void failNext() {
            open.poll().completeExceptionally(new IllegalStateException("disk full"));
        }
    }

    private final TestExecutor executor = new TestExecutor();
    private final MetadataLoader loader = new MetadataLoader("test", executor, 100, 1_000);
    private final List<String> calls = new ArrayList<>();

    private void commit(long baseOffset, Message... records) {
        loader.handleCommit(baseOffset, 1, List.of(records));
        executor.run(false);
    }

    @Test
    void hostingCompletesBeforeHandlersSeeTheImageAndWaitersWaitForAll() {
        Recording hosting = new Recording("hosting", calls, false);
        Recording handlers = new Recording("handlers", calls, false);
        loader.addPublisher(hosting);
        loader.addPublisher(handlers);
        commit(0, clusterId("c"), topic("a", A), partition(A, 0, List.of(1), List.of(1), 1, 0, 0));
        CompletableFuture<Void> published = loader.awaitPublished(2);
        assertEquals(List.of("hosting@2"), calls, "handlers wait for hosting");
        assertSame(MetadataImage.EMPTY, hosting.deltas.get(0).base(), "the first image is whole");
        hosting.completeNext();
        executor.run(false);
        assertEquals(List.of("hosting@2", "handlers@2"), calls);
        assertFalse(published.isDone(), "not until every publisher has it");
        handlers.completeNext();
        executor.run(false);
        assertTrue(published.isDone());
        assertEquals(2, loader.publishedOffset());
        assertTrue(loader.awaitPublished(1).isDone(), "an offset already published completes at once");
    }

    @Test
    void recordsArrivingWhilePublishingAreGatheredIntoTheNextImage() {
        Recording hosting = new Recording("hosting", calls, false);
        loader.addPublisher(hosting);
        commit(0, clusterId("c"));
        commit(1, topic("a", A), partition(A, 0, List.of(1), List.of(1), 1, 0, 0));
        commit(3, topic("b", B));
        assertEquals(List.of("hosting@0"), calls, "one image at a time");
        hosting.completeNext();
        executor.run(false);
        assertEquals(List.of("hosting@0", "hosting@3"), calls);
        MetadataDelta second = hosting.deltas.get(1);
        assertSame(hosting.images.get(0), second.base(), "images chain");
        assertEquals(Set.of(A, B), second.createdTopicIds());
        assertEquals(3, second.recordCount());
    }

    @Test
    void aFailedPublishIsRetriedWithBackoffAndNothingIsDropped() {
        Recording hosting = new Recording("hosting", calls, false);
        Recording handlers = new Recording("handlers", calls, true);
        loader.addPublisher(hosting);
        loader.addPublisher(handlers);
        commit(0, clusterId("c"), topic("a", A));
        CompletableFuture<Void> published = loader.awaitPublished(1);
        hosting.failNext();
        executor.run(false);
        assertEquals(List.of("hosting@1"), calls, "the retry waits for its backoff");
        commit(2, topic("b", B));
        executor.run(true);
        hosting.failNext();
        executor.run(true);
        hosting.completeNext();
        executor.run(false);
        assertEquals(List.of(100L, 200L), executor.delays, "the backoff doubles");
        assertEquals(List.of("hosting@1", "hosting@1", "hosting@1", "handlers@1", "hosting@2"), calls);
        assertSame(hosting.deltas.get(0), hosting.deltas.get(2), "a retry repeats the same change");
        assertTrue(published.isDone());
        assertFalse(loader.awaitPublished(2).isDone(), "hosting has not finished the next image yet");
        hosting.completeNext();
        executor.run(false);
        assertEquals(List.of("hosting@1", "hosting@1", "hosting@1", "handlers@1", "hosting@2", "handlers@2"), calls);
        assertEquals(Set.of(B), hosting.deltas.get(3).createdTopicIds());
    }

    @Test
    void aPublisherAddedLaterGetsTheWholeImageFirst() {
        Recording hosting = new Recording("hosting", calls, true);
        loader.addPublisher(hosting);
        commit(0, clusterId("c"), topic("a", A));
        commit(2, topic("b", B));
        List<String> lateCalls = new ArrayList<>();
        List<MetadataDelta> lateDeltas = new ArrayList<>();
        CompletableFuture<Void> added = loader.addListener("late", (delta, image) -> {
            lateCalls.add("late@" + image.offset());
            lateDeltas.add(delta);
        });
        executor.run(false);
        assertTrue(added.isDone());
        assertEquals(List.of("late@2"), lateCalls);
        assertSame(MetadataImage.EMPTY, lateDeltas.get(0).base());
        assertEquals(Set.of(A, B), lateDeltas.get(0).createdTopicIds());
        commit(3, topic("c", new UUID(3, 3)));
        assertEquals(List.of("late@2", "late@3"), lateCalls);
        assertEquals(List.of("hosting@1", "hosting@2", "hosting@3"), calls);
        loader.removePublisher(hosting);
        executor.run(false);
        commit(4, topic("d", new UUID(4, 4)));
        assertEquals(List.of("hosting@1", "hosting@2", "hosting@3"), calls, "removed");
        assertEquals(List.of("late@2", "late@3", "late@4"), lateCalls);
    }

    @Test
    void aSnapshotThenCommitsAfterIt() {
        Recording hosting = new Recording("hosting", calls, true);
        loader.addPublisher(hosting);
        MetadataImage image = MetadataDelta.replayAll(MetadataImage.EMPTY, List.of(clusterId("c"), topic("a", A)), 0,
            1);
        loader.handleSnapshot(image.offset() + 1, image.epoch(), image.toRecords());
        executor.run(false);
        commit(2, topic("b", B));
        assertEquals(List.of("hosting@1", "hosting@2"), calls);
        assertTrue(image.sameContent(hosting.images.get(0)));
        assertEquals(Set.of("a", "b"), loader.image().topicsByName().keySet());
    }
}
