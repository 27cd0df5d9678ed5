package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.MetadataLoaderFeed;
import io.samsa.controller.MetadataLogSerde;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataLoader;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.raft.RaftClient;
import io.samsa.raft.RaftLog;
import io.samsa.raft.RaftLogConfig;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's metadata, wired: the metadata log in {@code <metadataDir>/__cluster_metadata-0} behind a
 * single-voter Raft log (thread {@code samsa-raft-<node>}), the controller driving it
 * ({@code samsa-controller-<node>}), and the broker's side: a {@link MetadataLoader} fed by the log that builds
 * this broker's images on its own thread ({@code samsa-metadata-<node>}) and publishes them, in order, to
 * partition hosting first and then to the image request handlers read ({@link #image()}).
 *
 * <p>Handlers change metadata through {@link #controller()} and answer once this broker has published the
 * change ({@link #whenPublished}): a client sees its own change in its next request (read-your-writes).
 *
 * <p>Lifecycle: {@link #start} (blocking; start-up only) returns once the controller leads, the log is formatted
 * and the loader has loaded the whole log; the broker then adds partition hosting ({@link #addPublisher}) and
 * {@link #publishToHandlers()}. {@link #close} stops everything in order. Thread-safe.
 */
public final class BrokerMetadata implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetadata.class);
    private static final long START_TIMEOUT_S = 60;
    private static final long RETRY_BACKOFF_MS = 100;
    private static final long MAX_RETRY_BACKOFF_MS = 10_000;

    private final ThreadExecutor raftThread;
    private final ThreadExecutor controllerThread;
    private final ThreadExecutor loaderThread;
    private final RaftClient<Message> raft;
    private final Controller controller;
    private final MetadataLoader loader;
    private final ProducerIdBlocks producerIds;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    private BrokerMetadata(int nodeId, ThreadExecutor raftThread, ThreadExecutor controllerThread,
                           ThreadExecutor loaderThread, RaftClient<Message> raft, Controller controller,
                           MetadataLoader loader) {
        this.raftThread = raftThread;
        this.controllerThread = controllerThread;
        this.loaderThread = loaderThread;
        this.raft = raft;
        this.controller = controller;
        this.loader = loader;
        this.producerIds = new ProducerIdBlocks(controller, nodeId);
    }

    /**
     * Opens the metadata log in {@code metadataDir}, starts the controller and the loader; returns once the
     * controller leads, the log is formatted and the loader holds every committed record. Blocking: start-up only,
     * never on an event loop.
     */
    public static BrokerMetadata start(ControllerConfig config, Path metadataDir, Clock clock) throws Exception {
        int node = config.nodeId();
        ThreadExecutor raftThread = new ThreadExecutor("samsa-raft-" + node);
        ThreadExecutor controllerThread = new ThreadExecutor("samsa-controller-" + node);
        ThreadExecutor loaderThread = new ThreadExecutor("samsa-metadata-" + node);
        RaftClient<Message> raft = null;
        Controller controller = null;
        MetadataLoader loader = null;
        try {
            RaftLogConfig logConfig = RaftLogConfig.defaults();
            RaftLog raftLog = RaftLog.open(metadataDir, logConfig, clock, raftThread);
            raft = RaftClient.singleVoter(node, raftLog, MetadataLogSerde.INSTANCE, raftThread, clock,
                    logConfig.maxBatchBytes());
            controller = await(Controller.start(config, raft, controllerThread));
            loader = new MetadataLoader("node=" + node, loaderThread, RETRY_BACKOFF_MS, MAX_RETRY_BACKOFF_MS);
            raft.register(new MetadataLoaderFeed(loader));
            await(loader.awaitPublished(raft.highWatermark() - 1));
            return new BrokerMetadata(node, raftThread, controllerThread, loaderThread, raft, controller, loader);
        } catch (Exception | Error e) {
            if (loader != null) {
                loader.close();
            }
            if (controller != null) {
                controller.close();
            }
            if (raft != null) {
                raft.close();
            }
            loaderThread.close();
            controllerThread.close();
            raftThread.close();
            throw e;
        }
    }

    /** Waits for a start-up step. */
    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(START_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new TimeoutException("The metadata did not load within " + START_TIMEOUT_S + " s");
        }
    }

    /** The controller: every change to the metadata goes through it. */
    public Controller controller() {
        return controller;
    }

    /** The producer ids this broker hands out (InitProducerId), in blocks from the controller. */
    public ProducerIdBlocks producerIds() {
        return producerIds;
    }

    /** The broker's loader (coordinators add themselves as publishers). */
    public MetadataLoader loader() {
        return loader;
    }

    /**
     * The image this broker has loaded, whether or not published to handlers yet: for start-up (the logs found on
     * disk need their topics' configs before partitions are hosted). Any thread.
     */
    public MetadataImage loadedImage() {
        return loader.image();
    }

    /** Adds a publisher after those added before (partition hosting comes first). Completes after its first update. */
    public CompletableFuture<Void> addPublisher(MetadataPublisher publisher) {
        return loader.addPublisher(publisher);
    }

    /**
     * Starts publishing to the image request handlers read, after the publishers added so far; returns once
     * {@link #image()} holds the whole current image. Blocking: start-up only.
     */
    public void publishToHandlers() throws Exception {
        await(loader.addPublisher(new MetadataPublisher() {
            @Override
            public String name() {
                return "request-handlers";
            }

            @Override
            public CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
                image = newImage;
                return CompletableFuture.completedFuture(null);
            }
        }));
    }

    /**
     * The image request handlers read: partitions it names are hosted. Any thread.
     */
    public MetadataImage image() {
        return image;
    }

    /**
     * The value of a controller operation once this broker has published the image at its commit offset: the
     * answer a handler sends then shows the change to the client's next request. Completes on the loader's
     * thread (or the controller's, for a failure).
     */
    public <T> CompletableFuture<T> whenPublished(CompletableFuture<Committed<T>> operation) {
        return operation.thenCompose(c -> loader.awaitPublished(c.offset()).thenApply(v -> c.value()));
    }

    /** Stops the loader, the controller, then the log, then their threads. Blocking; idempotent. */
    @Override
    public void close() {
        loader.close();
        controller.close();
        raft.close();
        if (!loaderThread.close(10_000) || !controllerThread.close(10_000) || !raftThread.close(10_000)) {
            log.warn("The metadata threads did not stop within 10 s");
        }
    }
}
