package io.samsa.server.coordinator;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.common.Scheduler;
import io.samsa.controller.MetadataDelta;
import io.samsa.controller.MetadataImage;
import io.samsa.controller.MetadataListener;
import io.samsa.controller.PartitionRegistration;
import io.samsa.controller.TopicImage;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.server.BrokerServices;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the group coordinator inside the broker: one event thread ({@code samsa-group-coordinator}) for
 * every {@code __consumer_offsets} partition, partition access through {@link PartitionCoordinatorIo},
 * topics from the metadata image, and a metadata listener that loads a partition's groups when this
 * broker becomes its leader and unloads them when it stops leading. Created once by {@code GroupApis};
 * closed when the broker's event loops shut down.
 */
public final class GroupCoordinatorService implements MetadataListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorService.class);

    private final int nodeId;
    private final ScheduledExecutorService thread;
    private final GroupCoordinator coordinator;
    /** Partition -> leader epoch this broker loaded it in. Controller thread only. */
    private final Map<Integer, Integer> led = new HashMap<>();

    public GroupCoordinatorService(BrokerServices services) {
        this.nodeId = services.nodeId();
        this.thread = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("samsa-group-coordinator", true));
        Scheduler scheduler = (task, delayMs) -> {
            ScheduledFuture<?> f = thread.schedule(task, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        };
        PartitionCoordinatorIo io = new PartitionCoordinatorIo(GroupCoordinator.TOPIC, services.replicas(),
                services.clock(), services.background(), PooledByteBufAllocator.DEFAULT);
        this.coordinator = new GroupCoordinator(GroupCoordinatorConfig.fromMap(services.config().originals()),
                services.clock(), scheduler, thread, io, io, new ImageTopicMetadata(services.controller()));
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

    @Override
    public void close() {
        coordinator.close();
        thread.shutdown();
    }
}
