package io.samsa.server.coordinator;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.common.Scheduler;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.server.BrokerServices;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a coordinator needs from the broker besides its partitions: its own event thread (with a {@link Scheduler} on
 * it), and the leadership of its internal topic's partitions followed from the metadata image
 * ({@link CoordinatorLeadership}): the coordinator hears {@code onElection(partition, leaderEpoch)} when this broker
 * starts leading a partition (or leads it in a newer epoch) and {@code onResignation(partition, -1)} when it stops. Shared by the group and the transaction coordinator's
 * services. Thread-safe; {@link #close} stops following metadata, lets the coordinator unload ({@code unload}) and
 * stops the thread.
 */
final class CoordinatorHost implements MetadataListener {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorHost.class);

    private static final long CLOSE_WAIT_MS = 5_000;

    private final int nodeId;
    private final String topic;
    private final String threadName;
    private final BrokerServices services;
    private final ScheduledThreadPoolExecutor thread;
    private final Scheduler scheduler;
    private CoordinatorLeadership leadership;

    CoordinatorHost(BrokerServices services, String topic, String threadName) {
        this.nodeId = services.nodeId();
        this.services = services;
        this.topic = topic;
        this.threadName = threadName;
        this.thread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory(threadName, true));
        // Timers are re-armed often (session timeouts on every heartbeat): drop cancelled ones at once instead of
        // keeping them queued until their deadline, and let no timer outlive close().
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = (task, delayMs) -> {
            ScheduledFuture<?> f = thread.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
    }

    /** The coordinator's event thread. */
    Executor executor() {
        return thread;
    }

    /** Timers on the coordinator's event thread. */
    Scheduler scheduler() {
        return scheduler;
    }

    /** Follows the metadata image from now on, telling the coordinator what this broker starts and stops leading. */
    CompletableFuture<Void> start(CoordinatorLeadership.Election onElection,
                                  CoordinatorLeadership.Resignation onResignation) {
        // The listener is named after the coordinator: "group-coordinator", "transaction-coordinator".
        String name = threadName.replaceFirst("^samsa-", "");
        synchronized (this) {
            leadership = new CoordinatorLeadership(nodeId, topic, name, onElection, onResignation);
        }
        return services.metadata().loader().addListener(name, this);
    }

    @Override
    public synchronized void onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        leadership.onMetadataUpdate(delta, image);
    }

    /**
     * Stops following metadata, runs {@code unload} (the coordinator unloads its partitions, answering parked
     * requests) and stops the thread, waiting up to {@value #CLOSE_WAIT_MS} ms for it. Blocking: never call it on an
     * event loop. Idempotent.
     */
    void close(Runnable unload) {
        if (thread.isShutdown()) {
            return;
        }
        services.metadata().loader().removeListener(this);
        unload.run();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                log.warn("[node={}] The {} thread did not stop within {} ms", nodeId, threadName, CLOSE_WAIT_MS);
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
