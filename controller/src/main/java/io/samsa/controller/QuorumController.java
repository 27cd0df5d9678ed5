package io.samsa.controller;

import io.samsa.controller.log.LogEntry;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.MetadataListener;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.controller.log.MetadataLog;
import io.samsa.controller.log.SnapshotFile;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The metadata controller as a single-voter quorum: it owns the metadata log and the metadata
 * state, turns admin operations into records, commits them (fsync) and publishes the resulting
 * {@link MetadataImage}.
 *
 * <p>Threads: one controller thread (a single-threaded executor) owns the log and the working
 * state. Public methods may be called from any thread; each returns a future completed on the
 * controller thread after the operation's records are durable and applied (validateOnly and
 * failed operations complete without writing). Appends made while an fsync is pending share
 * that fsync (group commit). {@link #image()} is a volatile read of the last committed image.
 *
 * <p>Like KRaft, operations are validated against the working state (committed plus appended but
 * not yet flushed records), while readers and listeners only ever see committed records. With one
 * voter, "committed" means "fsynced"; a Raft quorum will replace {@code flush} by replication.
 * The leader epoch is one more than the last epoch in the log, recorded in every entry it writes.
 *
 * <p>Lifecycle: {@link #start} opens and recovers the log (formatting it on first start), then the
 * controller serves until {@link #close}. A disk error while appending or flushing is fatal: the
 * controller fails pending and later operations with {@code KAFKA_STORAGE_ERROR}.
 */
public final class QuorumController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);

    /** The feature that carries the metadata version. */
    public static final String METADATA_VERSION_FEATURE = "metadata.version";

    private final ControllerConfig config;
    private final String prefix;
    private final MetadataLog metadataLog;
    private final ExecutorService executor;
    private final TopicControl topicControl;
    private final ConfigControl configControl = new ConfigControl();
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private final int epoch;
    private volatile MetadataImage published;

    // Controller thread only.
    private MetadataImage working;
    private final List<LogEntry> uncommitted = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private boolean flushScheduled;
    private long recordsSinceSnapshot;
    private long bytesAtSnapshot;
    private Throwable fatal;

    /** An operation waiting for its records to commit. */
    private record Pending(Runnable complete, CompletableFuture<?> future) {
    }

    private QuorumController(ControllerConfig config, MetadataLog metadataLog, MetadataImage image, int epoch) {
        this.config = config;
        this.prefix = "[controller node=" + config.nodeId() + "] ";
        this.metadataLog = metadataLog;
        this.topicControl = new TopicControl(config);
        this.epoch = epoch;
        this.published = image;
        this.working = image;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "samsa-controller-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens the metadata log under {@code config.dataDir()}, rebuilds the image from the latest
     * snapshot and the log after it, formats a new log with the cluster id (the configured one, or
     * a random one) and the bootstrap features, and starts the controller thread. Fails with
     * {@code INCONSISTENT_CLUSTER_ID} when the log was formatted with a different cluster id.
     */
    public static QuorumController start(ControllerConfig config) throws IOException {
        MetadataLog metadataLog = MetadataLog.open(config.dataDir(), config.logOptions(), config.clock());
        try {
            MetadataImage image = MetadataImage.EMPTY;
            SnapshotFile.Loaded snapshot = metadataLog.snapshot();
            if (snapshot != null) {
                MetadataDelta d = new MetadataDelta(image);
                d.replaySnapshot(snapshot.records(), snapshot.endOffset(), snapshot.epoch());
                image = d.apply();
            }
            MetadataDelta d = new MetadataDelta(image);
            for (LogEntry e : metadataLog.recoveredEntries()) {
                d.replay(e.records(), e.baseOffset(), e.epoch());
            }
            image = d.apply();
            int epoch = Math.max(1, metadataLog.lastEpoch() + 1);
            if (image.clusterId() == null) {
                String clusterId = config.clusterId() != null ? config.clusterId() : newClusterId();
                List<Message> records = new ArrayList<>();
                records.add(new ClusterIdRecord().setClusterId(clusterId));
                new TreeMap<>(config.bootstrapFeatures()).forEach((name, level) ->
                    records.add(new FeatureLevelRecord().setName(name).setFeatureLevel(level)));
                long base = metadataLog.append(epoch, records);
                metadataLog.flush();
                image = MetadataDelta.replayAll(image, records, base, epoch);
                log.info("[controller node={}] Formatted the metadata log with cluster id {}", config.nodeId(),
                    clusterId);
            } else if (config.clusterId() != null && !config.clusterId().equals(image.clusterId())) {
                throw new SamsaException(ErrorCode.INCONSISTENT_CLUSTER_ID, "The metadata log in "
                    + metadataLog.directory() + " belongs to cluster " + image.clusterId() + ", not "
                    + config.clusterId());
            }
            QuorumController controller = new QuorumController(config, metadataLog, image, epoch);
            log.info("{}Started as the only voter in epoch {} at offset {} ({} topic(s), {} broker(s))",
                controller.prefix, epoch, image.offset(), image.topicsByName().size(), image.brokers().size());
            return controller;
        } catch (IOException | RuntimeException e) {
            metadataLog.close();
            throw e;
        }
    }

    /** A new cluster id: a random UUID as 22 characters of URL-safe base64, like Kafka's. */
    public static String newClusterId() {
        UUID id = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The last committed image. Any thread. */
    public MetadataImage image() {
        return published;
    }

    /** The leader epoch this controller writes in. */
    public int epoch() {
        return epoch;
    }

    /**
     * Registers a listener; it is first called (on the controller thread) with the whole current
     * image as a delta from the empty image, then after every commit.
     */
    public CompletableFuture<Void> addListener(MetadataListener listener) {
        return submit(image -> {
            MetadataImage current = published;
            MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
            d.replaySnapshot(current.toRecords(), current.offset() + 1, current.epoch());
            listeners.add(listener);
            listener.onMetadataUpdate(d, current);
            return new ControllerResult<Void>(List.of(), null);
        });
    }

    public void removeListener(MetadataListener listener) {
        listeners.remove(listener);
    }

    /**
     * Registers (or re-registers) broker {@code nodeId} with its listeners and rack. Its broker
     * epoch is the offset of the registration record.
     */
    public CompletableFuture<BrokerRegistration> registerBroker(int nodeId, List<Endpoint> endpoints, String rack) {
        return submit(image -> {
            if (nodeId < 0) {
                throw new SamsaException(ErrorCode.INVALID_REQUEST, "Invalid node id " + nodeId);
            }
            long brokerEpoch = metadataLog.nextOffset();
            BrokerRegistration registration = new BrokerRegistration(nodeId, brokerEpoch, config.uuids().get(), rack,
                endpoints);
            return new ControllerResult<>(List.of(registration.toRecord()), registration);
        });
    }

    /** CreateTopics: one result per requested topic, in request order. */
    public CompletableFuture<List<CreateTopicResult>> createTopics(List<CreateTopicRequest> topics,
                                                                   boolean validateOnly) {
        List<CreateTopicRequest> copy = List.copyOf(topics);
        return submit(image -> topicControl.createTopics(image, copy, validateOnly));
    }

    /** DeleteTopics by name or id: one result per requested topic, in request order. */
    public CompletableFuture<List<DeleteTopicResult>> deleteTopics(List<TopicRef> topics) {
        List<TopicRef> copy = List.copyOf(topics);
        return submit(image -> topicControl.deleteTopics(image, copy));
    }

    /** CreatePartitions: one result per requested topic (keyed by name), in request order. */
    public CompletableFuture<List<ApiResult<String>>> createPartitions(List<CreatePartitionsRequest> topics,
                                                                       boolean validateOnly) {
        List<CreatePartitionsRequest> copy = List.copyOf(topics);
        return submit(image -> topicControl.createPartitions(image, copy, validateOnly));
    }

    /** Legacy AlterConfigs: each resource's configs are replaced by the given SET entries. */
    public CompletableFuture<List<ApiResult<ConfigResource>>> alterConfigs(List<AlterConfigsRequest> resources,
                                                                           boolean validateOnly) {
        List<AlterConfigsRequest> copy = List.copyOf(resources);
        return submit(image -> configControl.alterConfigs(image, copy, false, validateOnly));
    }

    /** IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND, SUBTRACT per key. */
    public CompletableFuture<List<ApiResult<ConfigResource>>> incrementalAlterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        List<AlterConfigsRequest> copy = List.copyOf(resources);
        return submit(image -> configControl.alterConfigs(image, copy, true, validateOnly));
    }

    /**
     * Describes a topic's configs as this node resolves them (topic overrides, this broker's and the
     * cluster's dynamic configs, static properties, defaults). Reads the committed image; any
     * thread. Returns null for an unknown topic.
     */
    public List<ConfigDescription> describeTopicConfigs(String topic) {
        MetadataImage image = published;
        return TopicConfigs.describe(image, topic, config.nodeId(), config.staticProps());
    }

    /** Writes a snapshot of the committed image now; completes with its end offset. */
    public CompletableFuture<Long> snapshot() {
        CompletableFuture<Long> f = new CompletableFuture<>();
        execute(f, () -> {
            flushAndPublish();
            if (fatal != null) {
                f.completeExceptionally(storageError());
                return;
            }
            f.complete(writeSnapshot());
        });
        return f;
    }

    private <T> CompletableFuture<T> submit(Function<MetadataImage, ControllerResult<T>> op) {
        CompletableFuture<T> future = new CompletableFuture<>();
        execute(future, () -> run(op, future));
        return future;
    }

    private void execute(CompletableFuture<?> future, Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "The controller is shut down"));
        }
    }

    private <T> void run(Function<MetadataImage, ControllerResult<T>> op, CompletableFuture<T> future) {
        if (fatal != null) {
            future.completeExceptionally(storageError());
            return;
        }
        ControllerResult<T> result;
        try {
            result = op.apply(working);
        } catch (SamsaException e) {
            future.completeExceptionally(e);
            return;
        } catch (RuntimeException e) {
            log.error("{}Operation failed unexpectedly", prefix, e);
            future.completeExceptionally(e);
            return;
        }
        Runnable complete = () -> future.complete(result.response());
        if (result.records().isEmpty()) {
            if (pending.isEmpty()) {
                complete.run();
            } else {
                pending.add(new Pending(complete, future));
            }
            return;
        }
        long base;
        try {
            base = metadataLog.append(epoch, result.records());
        } catch (SamsaException e) {
            future.completeExceptionally(e);
            return;
        } catch (IOException e) {
            fail(e);
            future.completeExceptionally(storageError());
            return;
        }
        try {
            working = MetadataDelta.replayAll(working, result.records(), base, epoch);
        } catch (RuntimeException e) {
            // The records were generated from this very state: failing to apply them is a bug.
            log.error("{}Could not apply records appended at offset {}", prefix, base, e);
            fail(e);
            future.completeExceptionally(storageError());
            return;
        }
        uncommitted.add(new LogEntry(base, epoch, 0, result.records()));
        pending.add(new Pending(complete, future));
        if (!flushScheduled) {
            flushScheduled = true;
            try {
                executor.execute(this::flushAndPublish);
            } catch (RejectedExecutionException e) {
                flushAndPublish();
            }
        }
    }

    /** fsyncs what was appended, publishes the new image, tells listeners, completes operations. */
    private void flushAndPublish() {
        flushScheduled = false;
        if (fatal != null || (uncommitted.isEmpty() && pending.isEmpty())) {
            return;
        }
        try {
            metadataLog.flush();
        } catch (IOException e) {
            fail(e);
            return;
        }
        MetadataDelta delta = new MetadataDelta(published);
        try {
            for (LogEntry e : uncommitted) {
                delta.replay(e.records(), e.baseOffset(), e.epoch());
            }
        } catch (RuntimeException e) {
            log.error("{}Could not apply committed records", prefix, e);
            fail(e);
            return;
        }
        uncommitted.clear();
        if (delta.recordCount() > 0) {
            MetadataImage image = delta.apply();
            published = image;
            working = image;
            recordsSinceSnapshot += delta.recordCount();
            for (MetadataListener l : listeners) {
                try {
                    l.onMetadataUpdate(delta, image);
                } catch (RuntimeException e) {
                    log.error("{}Metadata listener {} failed at offset {}", prefix, l, image.offset(), e);
                }
            }
        }
        List<Pending> done = new ArrayList<>(pending);
        pending.clear();
        for (Pending p : done) {
            p.complete().run();
        }
        if (recordsSinceSnapshot >= config.snapshotMaxRecords()
                || metadataLog.appendedBytes() - bytesAtSnapshot >= config.snapshotMaxBytes()) {
            try {
                writeSnapshot();
            } catch (RuntimeException e) {
                log.error("{}Snapshot failed", prefix, e);
            }
        }
    }

    private long writeSnapshot() {
        MetadataImage image = published;
        long endOffset = image.offset() + 1;
        try {
            metadataLog.writeSnapshot(endOffset, image.epoch(), image.toRecords());
        } catch (IOException e) {
            log.error("{}Could not write a snapshot at offset {}", prefix, endOffset, e);
            throw new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "Could not write a metadata snapshot", e);
        }
        recordsSinceSnapshot = 0;
        bytesAtSnapshot = metadataLog.appendedBytes();
        return endOffset;
    }

    private void fail(Exception e) {
        fatal = e;
        log.error("{}The metadata log failed; the controller stops accepting changes", prefix, e);
        for (Pending p : pending) {
            p.future().completeExceptionally(storageError());
        }
        pending.clear();
        uncommitted.clear();
        working = published;
    }

    private SamsaException storageError() {
        return new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The metadata log is unavailable", fatal);
    }

    /** Flushes and commits what is pending, stops the controller thread and closes the log. */
    @Override
    public void close() {
        try {
            executor.execute(() -> {
                flushAndPublish();
                try {
                    metadataLog.close();
                } catch (IOException e) {
                    log.error("{}Could not close the metadata log", prefix, e);
                }
            });
        } catch (RejectedExecutionException e) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                log.error("{}The controller thread did not stop within 30 s", prefix);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("{}Stopped at offset {}", prefix, published.offset());
    }
}
