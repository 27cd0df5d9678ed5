package io.samsa.server.coordinator;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.common.Scheduler;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.server.BrokerServices;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the group coordinator inside the broker: one event thread ({@code samsa-group-coordinator}) for
 * every {@code __consumer_offsets} partition, partition access through {@link PartitionCoordinatorIo},
 * topics from the metadata image, and a metadata listener that loads a partition's groups when this
 * broker becomes its leader and unloads them when it stops leading. Created once by {@code GroupApis} at
 * start-up; {@link #start} follows metadata, {@link #close} (called by {@code SamsaBroker} after the listeners
 * stop and before the partitions close) unloads every partition, answering parked requests, and stops the
 * thread. Thread-safe.
 */
public final class GroupCoordinatorService implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorService.class);

    private static final long CLOSE_WAIT_MS = 5_000;

    private final int nodeId;
    private final BrokerServices services;
    private final ScheduledThreadPoolExecutor thread;
    private final GroupCoordinator coordinator;
    /** Partition -> leader epoch this broker loaded it in. Guarded by this. */
    private final Map<Integer, Integer> led = new HashMap<>();

    public GroupCoordinatorService(BrokerServices services) {
        this.nodeId = services.nodeId();
        this.services = services;
        this.thread = new ScheduledThreadPoolExecutor(1, new DefaultThreadFactory("samsa-group-coordinator", true));
        // Session timers are re-armed on every heartbeat: drop cancelled ones at once instead of keeping them
        // queued until their deadline, and let no timer outlive close().
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        Scheduler scheduler = (task, delayMs) -> {
            ScheduledFuture<?> f = thread.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        PartitionCoordinatorIo io = new PartitionCoordinatorIo(GroupCoordinator.TOPIC, services.replicas(),
                services.clock(), services.background(), PooledByteBufAllocator.DEFAULT);
        this.coordinator = new GroupCoordinator(GroupCoordinatorConfig.fromMap(services.config().originals()),
                services.clock(), scheduler, thread, io, io, new ImageTopicMetadata(services.metadata()));
    }

    /** Follows the metadata image from now on (loads the partitions this broker leads). */
    public CompletableFuture<Void> start() {
        return services.metadata().loader().addListener("group-coordinator", this);
    }

    public GroupCoordinator coordinator() {
        return coordinator;
    }

    @Override
    public synchronized void onMetadataUpdate(MetadataDelta delta, MetadataImage image) {
        TopicImage t = image.topic(GroupCoordinator.TOPIC);
        Map<Integer, Integer> now = new HashMap<>();
        if (t != null) {
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() == nodeId) {
                    now.put(p.partition(), p.leaderEpoch());
                }
            }
        }
        for (Map.Entry<Integer, Integer> e : now.entrySet()) {
            Integer before = led.get(e.getKey());
            if (before == null || before.intValue() != e.getValue()) {
                coordinator.onElection(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<Integer, Integer> e : led.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                coordinator.onResignation(e.getKey(), -1);
            }
        }
        if (!now.equals(led)) {
            log.info("[node={}] Group coordinator leads {} partitions of {}", nodeId, now.size(),
                    GroupCoordinator.TOPIC);
        }
        led.clear();
        led.putAll(now);
    }

    /**
     * Stops following metadata, unloads every partition (parked JoinGroup/SyncGroup requests are answered
     * NOT_COORDINATOR) and stops the coordinator thread, waiting up to {@value #CLOSE_WAIT_MS} ms for it.
     * Blocking: never call it on an event loop. Idempotent.
     */
    @Override
    public void close() {
        if (thread.isShutdown()) {
            return;
        }
        services.metadata().loader().removeListener(this);
        coordinator.close();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) {
                log.warn("[node={}] The group coordinator thread did not stop within {} ms", nodeId,
                        CLOSE_WAIT_MS);
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
        }
    }
}
