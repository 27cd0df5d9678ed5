package io.samsa.metadata;

import io.samsa.common.SerialExecutor;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The broker side of the metadata log: receives committed records (and snapshots) from the log, replays them
 * into images on the broker's own metadata executor (never the controller's), and hands each image to its
 * {@link MetadataPublisher}s in the order they were added: partition hosting first, then the image request
 * handlers read, then the rest. The next publisher, and the next image, wait for a publisher's future; a failed
 * publish is logged and retried with backoff, never dropped. Records that arrive while an image is being
 * published are gathered into the next one.
 *
 * <p>A publisher added later first gets the whole current image (as a change from the empty image), then every
 * image after it. {@link #awaitPublished} completes once every publisher has an image at or past an offset:
 * what a request that changed the metadata waits for before it answers (read-your-writes).
 *
 * <p>Threads: every public method is thread-safe and hands its work to the executor; publishers are called on
 * the executor, one call at a time.
 */
public final class MetadataLoader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataLoader.class);
    /** Failed attempts at one publish that are logged as warnings; later ones are errors. */
    private static final int ERROR_AFTER_ATTEMPTS = 5;

    private final String prefix;
    private final SerialExecutor executor;
    private final long retryBackoffMs;
    private final long maxRetryBackoffMs;
    private final List<Installed> publishers = new CopyOnWriteArrayList<>();
    /** Offsets waited for, guarded by itself. */
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiters = new TreeMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long publishedOffset = -1;
    private volatile boolean closed;

    // Executor only.
    private MetadataDelta pending;
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private Job running;

    /** A publisher and the future of its first update. */
    private record Installed(MetadataPublisher publisher, CompletableFuture<Void> first) {
    }

    /** One image for some publishers; {@code next} is the index of the publisher to call. */
    private static final class Job {
        final MetadataDelta delta;
        final MetadataImage image;
        final List<Installed> targets;
        final boolean publishes;
        int next;
        int attempts;

        Job(MetadataDelta delta, MetadataImage image, List<Installed> targets, boolean publishes) {
            this.delta = delta;
            this.image = image;
            this.targets = targets;
            this.publishes = publishes;
        }
    }

    /**
     * @param name            names the loader in logs, e.g. {@code node=1}
     * @param retryBackoffMs  the first retry's delay after a failed publish; it doubles up to the maximum
     */
    public MetadataLoader(String name, SerialExecutor executor, long retryBackoffMs, long maxRetryBackoffMs) {
        this.prefix = "[metadata-loader " + name + "] ";
        this.executor = executor;
        this.retryBackoffMs = retryBackoffMs;
        this.maxRetryBackoffMs = maxRetryBackoffMs;
    }

    // ---------------------------------------------------------------- inputs (any thread)

    /** Committed records with consecutive offsets from {@code baseOffset}, written in {@code epoch}. */
    public void handleCommit(long baseOffset, int epoch, List<? extends Message> records) {
        executor.execute(() -> {
            if (closed) {
                return;
            }
            if (pending == null) {
                pending = new MetadataDelta(image);
            }
            try {
                pending.replay(records, baseOffset, epoch);
            } catch (RuntimeException e) {
                // The log committed what this broker cannot apply: it must not serve a made-up image.
                log.error("{}Cannot apply the committed records at offset {}; the image stops at {}", prefix,
                    baseOffset, image.offset(), e);
                closed = true;
                return;
            }
            pump();
        });
    }

    /** The state below {@code endOffset}: replaces everything loaded so far. */
    public void handleSnapshot(long endOffset, int epoch, List<? extends Message> records) {
        executor.execute(() -> {
            if (closed) {
                return;
            }
            if (image.offset() >= 0 || pending != null) {
                log.warn("{}Loading snapshot {} over an image at offset {}: publishers get the whole image, and"
                    + " topics it no longer has are not reported as deleted", prefix, endOffset, image.offset());
            }
            pending = new MetadataDelta(MetadataImage.EMPTY);
            pending.replaySnapshot(records, endOffset, epoch);
            pump();
        });
    }

    // ---------------------------------------------------------------- publishers (any thread)

    /**
     * Adds {@code publisher} after those added before. It gets the whole current image first (unless nothing is
     * loaded yet: then the first image is whole anyway), then every image after it. The future completes when
     * that first update is done.
     */
    public CompletableFuture<Void> addPublisher(MetadataPublisher publisher) {
        Installed installed = new Installed(publisher, new CompletableFuture<>());
        executor.execute(() -> {
            publishers.add(installed);
            MetadataImage current = image;
            if (current.offset() >= 0) {
                queue.add(new Job(MetadataDelta.ofImage(current), current, List.of(installed), false));
            } else if (pending == null) {
                // Nothing loaded yet: its first image will be a change from the empty image anyway.
                installed.first().complete(null);
            }
            pump();
        });
        return installed.first();
    }

    /** Adds a synchronous listener as a publisher (see {@link #addPublisher}). */
    public CompletableFuture<Void> addListener(String name, MetadataListener listener) {
        return addPublisher(asPublisher(name, listener));
    }

    /** Stops calling {@code publisher}. */
    public void removePublisher(MetadataPublisher publisher) {
        executor.execute(() -> publishers.removeIf(i -> i.publisher() == publisher));
    }

    /** Stops calling a listener added with {@link #addListener}. */
    public void removeListener(MetadataListener listener) {
        executor.execute(() -> publishers.removeIf(i -> i.publisher() instanceof ListenerPublisher l
            && l.listener == listener));
    }

    /** The newest image handed to the publishers (not necessarily to all of them yet). Any thread. */
    public MetadataImage image() {
        return image;
    }

    /** The offset of the newest image every publisher has. Any thread. */
    public long publishedOffset() {
        return publishedOffset;
    }

    /**
     * A future that completes (on the loader's executor) once every publisher has an image at or past
     * {@code offset}; at once when they already have.
     */
    public CompletableFuture<Void> awaitPublished(long offset) {
        synchronized (waiters) {
            if (offset <= publishedOffset) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiters.computeIfAbsent(offset, o -> new ArrayList<>(1)).add(f);
            return f;
        }
    }

    // ---------------------------------------------------------------- publishing (executor)

    private void pump() {
        if (running != null || closed) {
            return;
        }
        Job job = queue.poll();
        if (job == null && pending != null) {
            MetadataDelta delta = pending;
            pending = null;
            MetadataImage next;
            try {
                next = delta.apply();
            } catch (RuntimeException e) {
                log.error("{}Cannot build the image after offset {}", prefix, image.offset(), e);
                closed = true;
                return;
            }
            image = next;
            job = new Job(delta, next, List.copyOf(publishers), true);
        }
        if (job != null) {
            running = job;
            step(job);
        }
    }

    private void step(Job job) {
        if (closed) {
            return;
        }
        while (job.next < job.targets.size() && !publishers.contains(job.targets.get(job.next))) {
            job.next++;
        }
        if (job.next == job.targets.size()) {
            finish(job);
            return;
        }
        Installed target = job.targets.get(job.next);
        CompletableFuture<Void> f;
        try {
            f = target.publisher().onMetadataUpdate(job.delta, job.image);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> executor.execute(() -> {
            if (e == null) {
                target.first().complete(null);
                job.next++;
                job.attempts = 0;
                step(job);
            } else {
                retry(job, target, e);
            }
        }));
    }

    private void retry(Job job, Installed target, Throwable e) {
        job.attempts++;
        long delay = Math.min(maxRetryBackoffMs, retryBackoffMs << Math.min(20, job.attempts - 1));
        if (job.attempts < ERROR_AFTER_ATTEMPTS) {
            log.warn("{}Publisher {} failed on the image at offset {} (attempt {}); retrying in {} ms", prefix,
                target.publisher().name(), job.image.offset(), job.attempts, delay, e);
        } else {
            // Still failing: this broker's partitions or handlers lag the metadata until it succeeds.
            log.error("{}Publisher {} keeps failing on the image at offset {} (attempt {}); retrying in {} ms",
                prefix, target.publisher().name(), job.image.offset(), job.attempts, delay, e);
        }
        executor.schedule(() -> step(job), delay);
    }

    private void finish(Job job) {
        running = null;
        if (job.publishes) {
            List<CompletableFuture<Void>> done = new ArrayList<>();
            synchronized (waiters) {
                publishedOffset = job.image.offset();
                Map<Long, List<CompletableFuture<Void>>> head = waiters.headMap(publishedOffset, true);
                head.values().forEach(done::addAll);
                head.clear();
            }
            done.forEach(f -> f.complete(null));
        }
        pump();
    }

    /** Stops: nothing is replayed or published from now on. */
    @Override
    public void close() {
        closed = true;
    }

    private static MetadataPublisher asPublisher(String name, MetadataListener listener) {
        return new ListenerPublisher(name, listener);
    }

    /** A synchronous listener as a publisher. */
    private static final class ListenerPublisher implements MetadataPublisher {
        private final String name;
        private final MetadataListener listener;

        ListenerPublisher(String name, MetadataListener listener) {
            this.name = name;
            this.listener = listener;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
            listener.onMetadataUpdate(delta, image);
            return CompletableFuture.completedFuture(null);
        }
    }
}
