package io.samsa.server.coordinator;

import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.ProducerIdSource;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.coordinator.TransactionCoordinatorConfig;
import io.samsa.server.BrokerServices;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.metadata.Features;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the transaction coordinator inside the broker: one event thread ({@code samsa-transaction-coordinator}) for
 * every {@code __transaction_state} partition this broker leads (loaded when it becomes their leader, unloaded when it
 * stops: {@link CoordinatorHost}), the partitions through {@link PartitionCoordinatorIo} (acks=all appends; loads
 * from the log), new producer ids from the controller's producer-id blocks, markers through {@link TxnMarkerSender}
 * (this broker's partitions directly, others by WriteTxnMarkers), and the finalized {@code transaction.version} from
 * the metadata image. Also owns what the broker's handlers share with it: the {@link LocalMarkers} that the
 * WriteTxnMarkers handler writes with, and the {@link TransactionVerifier} that Produce and TxnOffsetCommit ask.
 *
 * <p>Created once at start-up, after the group coordinator (markers of {@code __consumer_offsets} partitions go
 * through it); {@link #start} follows metadata; {@link #close} (before the group coordinator's) unloads every
 * partition and stops the thread. Thread-safe.
 */
public final class TransactionCoordinatorService implements AutoCloseable {
    private final CoordinatorHost host;
    private final TransactionCoordinator coordinator;
    private final LocalMarkers markers;
    private final TransactionVerifier verifier;

    public TransactionCoordinatorService(BrokerServices services, GroupCoordinator groups) {
        this.host = new CoordinatorHost(services, TransactionCoordinator.TOPIC, "samsa-transaction-coordinator");
        PartitionCoordinatorIo io = new PartitionCoordinatorIo(TransactionCoordinator.TOPIC, services.replicas(),
                services.clock(), services.background(), PooledByteBufAllocator.DEFAULT);
        this.markers = new LocalMarkers(services.replicas(), services.metadata()::image, groups,
                services.config().getInt("request.timeout.ms"));
        TxnMarkerSender sender = new TxnMarkerSender(services.nodeId(), services.metadata()::image, markers,
                services.brokerChannel());
        ProducerIdSource ids = () -> services.metadata().producerIds().nextId().exceptionallyCompose(t ->
                // Kafka's answer while no block of ids can be had: the producer retries.
                CompletableFuture.failedFuture(new SamsaException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
                        "No producer id is available yet")));
        this.coordinator = new TransactionCoordinator(config(services.config()), services.clock(), host.scheduler(),
                host.executor(), io, io, ids, sender, () -> Features.transactionVersion(services.metadata().image()));
        BrokerConfig config = services.config();
        this.verifier = new TransactionVerifier(services.nodeId(), services.metadata()::image, coordinator,
                services.brokerChannel(), services.clock(), config.getInt("add.partitions.to.txn.retry.backoff.ms"),
                config.getInt("add.partitions.to.txn.retry.backoff.max.ms"));
    }

    private static TransactionCoordinatorConfig config(BrokerConfig config) {
        return TransactionCoordinatorConfig.fromMap(config.originals());
    }

    /** Follows the metadata image from now on (loads the partitions this broker leads). */
    public CompletableFuture<Void> start() {
        return host.start(coordinator::onElection, coordinator::onResignation);
    }

    public TransactionCoordinator coordinator() {
        return coordinator;
    }

    /** This broker's own marker writes (the WriteTxnMarkers handler's). */
    public LocalMarkers markers() {
        return markers;
    }

    /** The questions to a transaction's coordinator before a partition's first batch (KIP-890). */
    public TransactionVerifier verifier() {
        return verifier;
    }

    /**
     * Stops following metadata, unloads every partition (parked requests are answered NOT_COORDINATOR) and stops the
     * coordinator thread. Blocking: never call it on an event loop. Idempotent.
     */
    @Override
    public void close() {
        host.close(coordinator::close);
    }
}
