package io.samsa.server.metadata;

import io.samsa.common.Clock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.MetadataLoaderFeed;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataLoader;
import io.samsa.metadata.MetadataPublisher;
import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.server.config.QuorumPlan;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's side of the metadata: a {@link MetadataLoader} fed by this node's replica of the metadata log,
 * building this broker's images on its own thread ({@code samsa-metadata-<node>}, never the controller's) and
 * publishing them in order, to partition hosting first and then to the image request handlers read
 * ({@link #image()}); the {@link Controller} every change goes through (the local one, or the active controller
 * through forwarding); and the producer id blocks InitProducerId hands out.
 *
 * <p>Handlers change metadata through {@link #controller()} and answer once this broker has published the change
 * ({@link #whenPublished}): a client sees its own change in its next request (read-your-writes).
 *
 * <p>Lifecycle: {@link #start} (blocking; start-up only) returns once the loader has published the log as far as
 * the quorum had committed it when this replica heard from the leader; the broker then adds partition hosting ({@link #addPublisher}) and
 * {@link #publishToHandlers()}. {@link #close} stops the loader (and what the one-node {@link #start(ControllerConfig,
 * Path, Clock)} opened). Thread-safe.
 */
public final class BrokerMetadata implements AutoCloseable, MetadataChanges {
    private static final Logger log = LoggerFactory.getLogger(BrokerMetadata.class);
    private static final long START_TIMEOUT_S = 60;
    private static final long RETRY_BACKOFF_MS = 100;
    private static final long MAX_RETRY_BACKOFF_MS = 10_000;
    private static final long CATCH_UP_POLL_MS = 10;
    private static final long CATCH_UP_LOG_INTERVAL_MS = 10_000;

    private final int nodeId;
    private final ThreadExecutor loaderThread;
    private final RaftClient<Message> raft;
    private final Controller controller;
    private final MetadataLoader loader;
    private final ProducerIdBlocks producerIds;
    private final List<AutoCloseable> owned;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    private BrokerMetadata(int nodeId, ThreadExecutor loaderThread, RaftClient<Message> raft, Controller controller,
                           MetadataLoader loader, List<AutoCloseable> owned) {
        this.nodeId = nodeId;
        this.raft = raft;
        this.loaderThread = loaderThread;
        this.controller = controller;
        this.loader = loader;
        this.owned = owned;
        this.producerIds = new ProducerIdBlocks(controller, nodeId);
    }

    /**
     * Starts the broker side over {@code raft}, changing metadata through {@code controller}; returns once the
     * loader published every record the quorum had committed when this replica heard from its leader (see
     * {@link #catchUp}). Blocking: start-up only, never on an event loop.
     */
    public static BrokerMetadata start(int nodeId, RaftClient<Message> raft, Controller controller) throws Exception {
        return start(nodeId, raft, controller, List.of());
    }

    private static BrokerMetadata start(int nodeId, RaftClient<Message> raft, Controller controller,
                                        List<AutoCloseable> owned) throws Exception {
        ThreadExecutor loaderThread = new ThreadExecutor("samsa-metadata-" + nodeId);
        MetadataLoader loader = new MetadataLoader("node=" + nodeId, loaderThread, RETRY_BACKOFF_MS,
                MAX_RETRY_BACKOFF_MS);
        try {
            StartFeed feed = new StartFeed(new MetadataLoaderFeed(loader));
            raft.register(feed);
            // Everything committed when the feed registered is handed over before its first leader change: wait
            // until the loader published that (not the high watermark, which may end at a control record of a
            // quorum's log that no listener sees).
            long fed = await(feed.registered);
            await(loader.awaitPublished(fed));
            catchUp(nodeId, raft, feed, loader);
            return new BrokerMetadata(nodeId, loaderThread, raft, controller, loader, owned);
        } catch (Exception | Error e) {
            loader.close();
            loaderThread.close();
            throw e;
        }
    }

    /**
     * Samsa's one-node metadata in one call (for tests): the single-voter log in {@code metadataDir}, its
     * controller, and the broker side; {@link #close} stops them all. Blocking: start-up only.
     */
    public static BrokerMetadata start(ControllerConfig config, Path metadataDir, Clock clock) throws Exception {
        QuorumPlan plan = new QuorumPlan(QuorumPlan.Kind.SINGLE_VOTER, config.nodeId(), Map.of(), List.of());
        MetadataQuorum quorum = MetadataQuorum.open(plan, metadataDir, null, RaftFactory.SINGLE_VOTER, clock);
        ControllerNode controller = null;
        try {
            controller = ControllerNode.start(config, quorum);
            // Closed in reverse: the controller, then the log.
            return start(config.nodeId(), quorum.raft(), controller.controller(), List.of(quorum, controller));
        } catch (Exception | Error e) {
            if (controller != null) {
                controller.close();
            }
            quorum.close();
            throw e;
        }
    }

    /**
     * Waits until the loader has published everything below the leader's high watermark as this replica heard it:
     * what was committed before this broker (re)started, even what its own copy of the log lacked or had not yet
     * seen committed. Until then an image is a prefix of the quorum's state; acting on one (hosting partitions as
     * leader of an old epoch, setting aside the logs of topics it does not have yet) would be wrong. Waits as long
     * as the quorum takes, as Kafka's broker does; logs every {@value #CATCH_UP_LOG_INTERVAL_MS} ms.
     */
    private static void catchUp(int nodeId, RaftClient<Message> raft, StartFeed feed, MetadataLoader loader)
            throws Exception {
        long started = System.nanoTime();
        long nextLogMs = CATCH_UP_LOG_INTERVAL_MS;
        while (true) {
            long target = raft.leaderHighWatermark();
            long position = feed.position;
            if (target >= 0 && position >= target) {
                long last = feed.lastOffset;
                await(loader.awaitPublished(last));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                log.info("Node {} caught up with the metadata log at offset {} in {} ms", nodeId, position, tookMs);
                return;
            }
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (waitedMs >= nextLogMs) {
                nextLogMs += CATCH_UP_LOG_INTERVAL_MS;
                log.info("Node {} is waiting to catch up with the metadata log: at offset {}, the leader's high "
                        + "watermark is {} (-1: not heard from a leader yet; leader {})", nodeId, position, target,
                        raft.leaderAndEpoch());
            }
            Thread.sleep(CATCH_UP_POLL_MS);
        }
    }

    /**
     * The loader's feed, which also tells the offset of the last record it was given when the log first reports
     * its leader (at registration, after the committed batches), and how far the log has handed over. Called on
     * the log's executor.
     */
    private static final class StartFeed implements RaftClient.Listener<Message> {
        private final MetadataLoaderFeed feed;
        final CompletableFuture<Long> registered = new CompletableFuture<>();
        /** Written before {@link #position}: read after it, it covers every batch below that position. */
        private volatile long lastOffset = -1;
        private volatile long position = -1;

        StartFeed(MetadataLoaderFeed feed) {
            this.feed = feed;
        }

        @Override
        public void handleCommit(Batch<Message> batch) {
            lastOffset = batch.lastOffset();
            feed.handleCommit(batch);
        }

        @Override
        public void handleLoadSnapshot(Snapshot<Message> snapshot) {
            lastOffset = snapshot.id().endOffset() - 1;
            feed.handleLoadSnapshot(snapshot);
        }

        @Override
        public void handlePosition(long nextOffset) {
            position = nextOffset;
        }

        @Override
        public void handleLeaderChange(LeaderAndEpoch leader) {
            registered.complete(lastOffset);
        }
    }

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

    /**
     * The controller id clients are told (Metadata, DescribeCluster on a broker listener): always a live broker of
     * {@code image} (registered, unfenced), because clients send what is meant for the controller there and cannot
     * reach a controller-only node; Kafka's KRaft brokers name a live broker too (a random one, KIP-590: the broker
     * forwards). The Raft leader when it is a live broker (a combined node: the request goes straight to the active
     * controller); else this broker when it is live; else the live broker with the lowest id; -1 when there is none.
     * (DescribeCluster on a controller listener names the Raft leader itself, KIP-919.)
     */
    public int controllerId(MetadataImage image) {
        return controllerId(image, raft.leaderAndEpoch().leaderId(), nodeId);
    }

    /** {@link #controllerId(MetadataImage)} when {@code raftLeader} leads the quorum and {@code self} answers. */
    static int controllerId(MetadataImage image, int raftLeader, int self) {
        if (image.isLive(raftLeader)) {
            return raftLeader;
        }
        if (image.isLive(self)) {
            return self;
        }
        for (BrokerRegistration b : image.brokers().values()) {
            if (!b.fenced()) {
                return b.nodeId();
            }
        }
        return -1;
    }

    /** The controller: every change to the metadata goes through it. */
    @Override
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
    @Override
    public <T> CompletableFuture<T> whenPublished(CompletableFuture<Committed<T>> operation) {
        return operation.thenCompose(c -> loader.awaitPublished(c.offset()).thenApply(v -> c.value()));
    }

    /** A check of a broker config change against what this node can apply ({@link #checkBrokerConfigs}). */
    @FunctionalInterface
    public interface BrokerConfigCheck {
        /** Null when this node can apply {@code ops} to broker {@code broker}'s configs over {@code image}. */
        String check(MetadataImage image, String broker, List<AlterConfigOp> ops);
    }

    private volatile BrokerConfigCheck configCheck;

    /** Checks broker config changes with {@code check} from now on (start-up, before the listeners open). */
    public void checkBrokerConfigsWith(BrokerConfigCheck check) {
        this.configCheck = check;
    }

    /** Runs the check on the loader's thread: it may read files, which an event loop must not. */
    @Override
    public CompletableFuture<String> checkBrokerConfigs(String broker, List<AlterConfigOp> ops) {
        BrokerConfigCheck check = configCheck;
        if (check == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<String> out = new CompletableFuture<>();
        try {
            loaderThread.execute(() -> {
                try {
                    out.complete(check.check(image(), broker, ops));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(e);
        }
        return out;
    }

    /** Stops the loader and its thread, then what this object owns. Blocking; idempotent. */
    @Override
    public void close() {
        loader.close();
        if (!loaderThread.close(10_000)) {
            log.warn("The metadata loader's thread did not stop within 10 s");
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                log.warn("Error while stopping {}", owned.get(i), e);
            }
        }
    }
}
