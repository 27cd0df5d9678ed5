package io.samsa.server.coordinator;

import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.server.BrokerServices;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the group coordinator inside the broker: one event thread ({@code samsa-group-coordinator}) for
 * every {@code __consumer_offsets} partition, partition access through {@link PartitionCoordinatorIo},
 * topics from the metadata image, and a metadata listener that loads a partition's groups when this
 * broker becomes its leader and unloads them when it stops leading ({@link CoordinatorHost}). Created once by
 * {@code GroupApis} at start-up; {@link #start} follows metadata, {@link #close} (called by {@code SamsaBroker} after
 * the listeners stop and before the partitions close) unloads every partition, answering parked requests, and stops
 * the thread. Thread-safe.
 */
public final class GroupCoordinatorService implements AutoCloseable {
    private final CoordinatorHost host;
    private final GroupCoordinator coordinator;

    public GroupCoordinatorService(BrokerServices services) {
        this.host = new CoordinatorHost(services, GroupCoordinator.TOPIC, "samsa-group-coordinator");
        PartitionCoordinatorIo io = new PartitionCoordinatorIo(GroupCoordinator.TOPIC, services.replicas(),
                services.clock(), services.background(), PooledByteBufAllocator.DEFAULT);
        this.coordinator = new GroupCoordinator(GroupCoordinatorConfig.fromMap(services.config().originals()),
                services.clock(), host.scheduler(), host.executor(), io, io,
                new ImageTopicMetadata(services.metadata()::image));
    }

    /** Follows the metadata image from now on (loads the partitions this broker leads). */
    public CompletableFuture<Void> start() {
        return host.start(coordinator::onElection, coordinator::onResignation);
    }

    public GroupCoordinator coordinator() {
        return coordinator;
    }

    /**
     * Stops following metadata, unloads every partition (parked JoinGroup/SyncGroup requests are answered
     * NOT_COORDINATOR) and stops the coordinator thread. Blocking: never call it on an event loop. Idempotent.
     */
    @Override
    public void close() {
        host.close(coordinator::close);
    }
}
