package io.samsa.coordinator.runtime;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs submitted events one at a time, in submission order, on an executor: the coordinator's single
 * event thread. Events submitted while one runs are queued behind it (never run re-entrantly), so an
 * event always runs to completion first, also with a direct executor in tests. Thread-safe {@link #submit};
 * owns the queue.
 */
final class EventQueue {
    private static final Logger log = LoggerFactory.getLogger(EventQueue.class);

    private final Executor executor;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    EventQueue(Executor executor) {
        this.executor = executor;
    }

    void submit(Runnable event) {
        queue.add(event);
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        Runnable event;
        while ((event = queue.poll()) != null) {
            try {
                event.run();
            } catch (Throwable t) {
                log.error("Coordinator event failed", t);
            }
        }
        scheduled.set(false);
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }
}
