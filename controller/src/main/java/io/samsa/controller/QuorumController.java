package io.samsa.controller;

import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigDescription;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.TopicConfigs;
import io.samsa.metadata.record.ClusterIdRecord;
import io.samsa.metadata.record.FeatureLevelRecord;
import io.samsa.metadata.record.ProducerIdsRecord;
import io.samsa.raft.Batch;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.raft.SnapshotId;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The metadata controller: the state machine of the cluster's metadata (topics, partitions and their placement,
 * configs, brokers) driving a Raft log. It validates each operation against its working state (the committed
 * records plus those it appended that are not committed yet), appends the records the operation produces, and
 * completes the operation when the log commits them (when they are applied to the committed image).
 *
 * <p>Threads: everything runs on the controller's {@link SerialExecutor}; public methods may be called from any
 * thread and hand their work over. The Raft log tells it of commits, snapshots and leader changes on the log's
 * executor; it hands those over too. {@link #image()} is a volatile read of the last committed image (for tests:
 * brokers read their own image, built by their {@code MetadataLoader}).
 *
 * <p>Lifecycle: {@link #start} registers with the log, which replays its snapshot and committed batches; when the
 * log makes this node leader, the controller formats an empty log (cluster id, bootstrap features) and becomes
 * ready. It serves until {@link #close}, or until it loses the leadership (another voter leads, an election runs,
 * or the log failed): pending and later operations then fail with {@code NOT_CONTROLLER}, as in Kafka.
 */
final class QuorumController implements Controller {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);

    private final ControllerConfig config;
    private final String prefix;
    private final RaftClient<Message> raft;
    private final SerialExecutor executor;
    private final TopicControl topicControl;
    private final ConfigControl configControl = new ConfigControl();
    private final AclControl aclControl = new AclControl(UUID::randomUUID);
    private final DelegationTokenControl tokenControl;
    private final ClusterControl clusterControl;
    private final PartitionControl partitionControl;
    private final FeatureControl featureControl;
    private final IsrControl isrControl;
    private final LeaderMoves moves;
    private final RaftListener raftListener = new RaftListener();
    private final CompletableFuture<QuorumController> ready = new CompletableFuture<>();
    private volatile MetadataImage published = MetadataImage.EMPTY;
    private volatile int epoch = -1;
    private volatile boolean closed;

    // Controller executor only.
    private MetadataDelta committing;
    private MetadataImage working = MetadataImage.EMPTY;
    private boolean active;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long lastCommitTimestamp;
    private long recordsSinceSnapshot;
    private long bytesSinceSnapshot;
    /** The periodic checks of the active controller: broker sessions, preferred leaders. Null when inactive. */
    private Scheduler.Cancellable sessionTimer;
    private Scheduler.Cancellable rebalanceTimer;
    private Scheduler.Cancellable uncleanTimer;
    private Scheduler.Cancellable tokenTimer;
    /** How often the active controller runs unclean elections where a topic allows them (Kafka: 5 minutes). */
    static final long UNCLEAN_ELECTION_INTERVAL_MS = 5 * 60 * 1000L;

    /** An operation waiting until the record at {@code offset} is committed. */
    private record Pending(long offset, Runnable complete, CompletableFuture<?> future) {
    }

    /** What an operation read ({@code offset}, the working state's) or wrote: its answer waits for the commit. */
    private static <T> Runnable completion(CompletableFuture<Committed<T>> future, T value, long offset) {
        return () -> future.complete(new Committed<>(value, offset));
    }

    private QuorumController(ControllerConfig config, RaftClient<Message> raft, SerialExecutor executor) {
        this.config = config;
        this.tokenControl = new DelegationTokenControl(DelegationTokenSettings.fromProps(config.staticProps()),
                config.uuids());
        this.prefix = "[controller node=" + config.nodeId() + "] ";
        this.raft = raft;
        this.executor = executor;
        this.topicControl = new TopicControl(config);
        this.moves = new LeaderMoves(config.staticProps());
        this.clusterControl = new ClusterControl(prefix, new BrokerHeartbeats(config.brokerSessionTimeoutMs()),
            moves);
        this.partitionControl = new PartitionControl(moves);
        this.isrControl = new IsrControl(prefix, moves);
        this.featureControl = new FeatureControl(config.nodeId());
    }

    /**
     * Starts the controller of {@code raft} on {@code executor}. The future completes once the controller leads
     * and the log is formatted (the cluster id and bootstrap features committed on first start); it fails with
     * {@code INCONSISTENT_CLUSTER_ID} when the log belongs to another cluster than the configured one.
     */
    static CompletableFuture<QuorumController> start(ControllerConfig config, RaftClient<Message> raft,
                                                     SerialExecutor executor) {
        return open(config, raft, executor).ready;
    }

    /** Registers a controller with {@code raft} and returns it: it becomes active whenever the log makes it leader. */
    static QuorumController open(ControllerConfig config, RaftClient<Message> raft, SerialExecutor executor) {
        QuorumController c = new QuorumController(config, raft, executor);
        raft.register(c.raftListener);
        return c;
    }

    /** A new cluster id: a random UUID as 22 characters of URL-safe base64, like Kafka's. */
    static String newClusterId() {
        UUID id = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    @Override
    public String clusterId() {
        return published.clusterId();
    }

    /** The last committed image. Any thread. */
    MetadataImage image() {
        return published;
    }

    /** The epoch this controller leads in. */
    int epoch() {
        return epoch;
    }

    @Override
    public CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest request) {
        return submit(image -> clusterControl.register(image, request, config.clock().milliseconds()));
    }

    @Override
    public CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest request) {
        return submit(image -> clusterControl.heartbeat(image, request, config.clock().milliseconds(),
            published.offset()));
    }

    @Override
    public CompletableFuture<Boolean> brokerConnectionLost(int brokerId, long brokerEpoch) {
        return fenceDisconnected(brokerId, brokerEpoch).thenApply(Committed::value);
    }

    /** {@link #brokerConnectionLost}, with the offset of what it wrote. */
    CompletableFuture<Committed<Boolean>> fenceDisconnected(int brokerId, long brokerEpoch) {
        return submit(image -> clusterControl.connectionLost(image, brokerId, brokerEpoch));
    }

    @Override
    public CompletableFuture<Committed<Void>> unregisterBroker(int brokerId) {
        return submit(image -> clusterControl.unregister(image, brokerId));
    }

    @Override
    public CompletableFuture<Committed<List<AlterPartitionResult>>> alterPartition(int brokerId, long brokerEpoch,
                                                                                  List<AlterPartitionItem> items) {
        List<AlterPartitionItem> copy = List.copyOf(items);
        return submit(image -> isrControl.alterPartition(image, brokerId, brokerEpoch, copy));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> electLeaders(
            ElectionType type, List<TopicPartition> partitions) {
        List<TopicPartition> copy = partitions == null ? null : List.copyOf(partitions);
        return submit(image -> partitionControl.electLeaders(image, type, copy));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> alterPartitionReassignments(
            List<Reassignment> reassignments, boolean allowReplicationFactorChange) {
        List<Reassignment> copy = List.copyOf(reassignments);
        return submit(image -> partitionControl.alterReassignments(image, copy, allowReplicationFactorChange));
    }

    @Override
    public CompletableFuture<Committed<List<OngoingReassignment>>> listPartitionReassignments(
            List<TopicPartition> partitions) {
        List<TopicPartition> copy = partitions == null ? null : List.copyOf(partitions);
        return submit(image -> partitionControl.listReassignments(image, copy));
    }

    @Override
    public CompletableFuture<Committed<List<CreateTopicResult>>> createTopics(List<CreateTopicRequest> topics,
                                                                              boolean validateOnly) {
        List<CreateTopicRequest> copy = List.copyOf(topics);
        return submit(image -> topicControl.createTopics(image, copy, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<DeleteTopicResult>>> deleteTopics(List<TopicRef> topics) {
        List<TopicRef> copy = List.copyOf(topics);
        return submit(image -> topicControl.deleteTopics(image, copy));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> createPartitions(
            List<CreatePartitionsRequest> topics, boolean validateOnly) {
        List<CreatePartitionsRequest> copy = List.copyOf(topics);
        return submit(image -> topicControl.createPartitions(image, copy, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> alterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        List<AlterConfigsRequest> copy = List.copyOf(resources);
        return submit(image -> moves.afterConfigChange(image, configControl.alterConfigs(image, copy, false,
            validateOnly)));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> incrementalAlterConfigs(
            List<AlterConfigsRequest> resources, boolean validateOnly) {
        List<AlterConfigsRequest> copy = List.copyOf(resources);
        return submit(image -> moves.afterConfigChange(image, configControl.alterConfigs(image, copy, true,
            validateOnly)));
    }

    @Override
    public CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch) {
        return submit(image -> {
            ClusterControl.registered(image, brokerId, brokerEpoch);
            long first = image.nextProducerId();
            if (first > Long.MAX_VALUE - ProducerIdBlock.SIZE) {
                throw new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR, "The producer ids are exhausted");
            }
            ProducerIdBlock block = new ProducerIdBlock(brokerId, first, ProducerIdBlock.SIZE);
            return new ControllerResult<>(List.of(new ProducerIdsRecord().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch).setNextProducerId(block.nextBlockStart())), block);
        });
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> updateFeatures(List<FeatureUpdate> updates,
                                                                                boolean validateOnly) {
        List<FeatureUpdate> copy = List.copyOf(updates);
        return submit(image -> featureControl.updateFeatures(image, copy, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<String>>>> alterUserScramCredentials(
        List<ScramAlteration> alterations) {
        List<ScramAlteration> copy = List.copyOf(alterations);
        return submit(image -> ScramControl.alter(image, copy));
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<AclBinding>>>> createAcls(List<AclBinding> acls) {
        List<AclBinding> copy = List.copyOf(acls);
        return submit(image -> aclControl.createAcls(image, copy));
    }

    @Override
    public CompletableFuture<Committed<List<AclDeletion>>> deleteAcls(List<AclFilter> filters) {
        List<AclFilter> copy = List.copyOf(filters);
        return submit(image -> aclControl.deleteAcls(image, copy));
    }

    @Override
    public Map<UUID, AclBinding> acls() {
        return published.acls();
    }

    @Override
    public CompletableFuture<Committed<List<ApiResult<Integer>>>> alterClientQuotas(
            List<ClientQuotaAlteration> entries, boolean validateOnly) {
        List<ClientQuotaAlteration> copy = List.copyOf(entries);
        return submit(image -> ClientQuotaControl.alter(image, copy, validateOnly));
    }

    @Override
    public CompletableFuture<Committed<ApiResult<DelegationTokenData>>> createDelegationToken(
            DelegationTokenCreation creation) {
        return submit(image -> tokenControl.create(image, creation, config.clock().milliseconds()));
    }

    @Override
    public CompletableFuture<Committed<ApiResult<Long>>> renewDelegationToken(byte[] hmac, String principal,
                                                                              long renewPeriodMs) {
        return submit(image -> tokenControl.renew(image, hmac, principal, renewPeriodMs,
                config.clock().milliseconds()));
    }

    @Override
    public CompletableFuture<Committed<ApiResult<Long>>> expireDelegationToken(byte[] hmac, String principal,
                                                                               long expiryPeriodMs) {
        return submit(image -> tokenControl.expire(image, hmac, principal, expiryPeriodMs,
                config.clock().milliseconds()));
    }

    /**
     * Describes a topic's configs as this node resolves them (topic overrides, this broker's and the
     * cluster's dynamic configs, static properties, defaults). Reads the committed image; any
     * thread. Returns null for an unknown topic.
     */
    List<ConfigDescription> describeTopicConfigs(String topic) {
        return TopicConfigs.describe(published, topic, config.nodeId(), config.staticProps());
    }

    /** Writes a snapshot once everything appended so far is committed; completes with its end offset. */
    CompletableFuture<Long> snapshot() {
        CompletableFuture<Long> f = new CompletableFuture<>();
        execute(f, () -> {
            Runnable take = () -> writeSnapshot().whenComplete((id, e) -> {
                if (e != null) {
                    f.completeExceptionally(e);
                } else {
                    f.complete(id.endOffset());
                }
            });
            if (!active) {
                f.completeExceptionally(notActive());
            } else if (pending.isEmpty()) {
                take.run();
            } else {
                pending.add(new Pending(working.offset(), take, f));
            }
        });
        return f;
    }

    /**
     * Fences the brokers whose session has expired, one operation each (the periodic check, on demand for tests
     * with a manual clock); completes with the fenced brokers' ids once their fencing is committed.
     */
    CompletableFuture<List<Integer>> checkSessions() {
        CompletableFuture<List<Integer>> f = new CompletableFuture<>();
        execute(f, () -> fenceExpired(new ArrayList<>(), f));
        return f;
    }

    private void fenceExpired(List<Integer> fenced, CompletableFuture<List<Integer>> done) {
        CompletableFuture<Committed<Integer>> one = new CompletableFuture<>();
        run(image -> clusterControl.fenceOneExpired(image, config.clock().milliseconds()), one);
        one.whenComplete((c, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (c.value() == null) {
                done.complete(fenced);
            } else {
                fenced.add(c.value());
                executor.execute(() -> fenceExpired(fenced, done));
            }
        });
    }

    /** Elects the preferred leader wherever it could lead and does not (the periodic rebalance, or on demand). */
    CompletableFuture<Integer> rebalanceLeaders() {
        return submit(partitionControl::rebalance).thenApply(Committed::value);
    }

    /**
     * Elects a leader outside the ISR for every leaderless partition whose topic allows unclean election (the periodic
     * check, or on demand); completes with how many partitions got one.
     */
    CompletableFuture<Integer> electUncleanLeaders() {
        return submit(partitionControl::electUncleanWhereAllowed).thenApply(Committed::value);
    }

    private void startTimers() {
        sessionTimer = executor.schedule(this::sessionTick, config.sessionCheckIntervalMs());
        uncleanTimer = executor.schedule(this::uncleanTick, UNCLEAN_ELECTION_INTERVAL_MS);
        if (config.autoLeaderRebalanceEnable()) {
            rebalanceTimer = executor.schedule(this::rebalanceTick, config.leaderImbalanceCheckIntervalMs());
        }
        if (tokenControl.settings().enabled()) {
            tokenTimer = executor.schedule(this::tokenTick, tokenControl.settings().checkIntervalMs());
        }
    }

    private void stopTimers() {
        if (sessionTimer != null) {
            sessionTimer.cancel();
            sessionTimer = null;
        }
        if (rebalanceTimer != null) {
            rebalanceTimer.cancel();
            rebalanceTimer = null;
        }
        if (uncleanTimer != null) {
            uncleanTimer.cancel();
            uncleanTimer = null;
        }
        if (tokenTimer != null) {
            tokenTimer.cancel();
            tokenTimer = null;
        }
    }

    private void uncleanTick() {
        if (!active || closed) {
            return;
        }
        CompletableFuture<Committed<Integer>> f = new CompletableFuture<>();
        run(partitionControl::electUncleanWhereAllowed, f);
        f.thenAccept(c -> {
            if (c.value() > 0) {
                log.warn("{}Elected a leader outside the ISR for {} partition(s) (unclean.leader.election.enable)",
                    prefix, c.value());
            }
        });
        uncleanTimer = executor.schedule(this::uncleanTick, UNCLEAN_ELECTION_INTERVAL_MS);
    }

    /** Removes expired delegation tokens ({@code delegation.token.expiry.check.interval.ms}). */
    private void tokenTick() {
        if (!active || closed) {
            return;
        }
        CompletableFuture<Committed<Integer>> f = new CompletableFuture<>();
        run(image -> tokenControl.removeExpired(image, config.clock().milliseconds()), f);
        f.thenAccept(c -> {
            if (c.value() > 0) {
                log.info("{}Removed {} expired delegation token(s)", prefix, c.value());
            }
        });
        tokenTimer = executor.schedule(this::tokenTick, tokenControl.settings().checkIntervalMs());
    }

    private void sessionTick() {
        if (!active || closed) {
            return;
        }
        fenceExpired(new ArrayList<>(), new CompletableFuture<>());
        sessionTimer = executor.schedule(this::sessionTick, config.sessionCheckIntervalMs());
    }

    private void rebalanceTick() {
        if (!active || closed) {
            return;
        }
        CompletableFuture<Committed<Integer>> f = new CompletableFuture<>();
        run(partitionControl::rebalance, f);
        f.thenAccept(c -> {
            if (c.value() > 0) {
                log.info("{}Moved leadership of {} partition(s) back to their preferred replica", prefix, c.value());
            }
        });
        rebalanceTimer = executor.schedule(this::rebalanceTick, config.leaderImbalanceCheckIntervalMs());
    }

    // ---------------------------------------------------------------- operations (controller executor)

    private <T> CompletableFuture<Committed<T>> submit(Function<MetadataImage, ControllerResult<T>> op) {
        CompletableFuture<Committed<T>> future = new CompletableFuture<>();
        execute(future, () -> run(op, future));
        return future;
    }

    private void execute(CompletableFuture<?> future, Runnable task) {
        if (closed) {
            future.completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "The controller is shut down"));
            return;
        }
        executor.execute(() -> {
            if (closed) {
                future.completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER,
                    "The controller is shut down"));
                return;
            }
            task.run();
        });
    }

    private <T> void run(Function<MetadataImage, ControllerResult<T>> op, CompletableFuture<Committed<T>> future) {
        if (!active) {
            future.completeExceptionally(notActive());
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
        if (result.records().isEmpty()) {
            // Nothing to write: answer once what it read is committed.
            long read = working.offset();
            completeAfter(read, completion(future, result.response(), read), future);
            return;
        }
        long last;
        MetadataImage before = working;
        List<ControllerResult<T>> appended = new ArrayList<>(List.of(result));
        try {
            last = raft.append(epoch, base -> {
                if (base != before.offset() + 1) {
                    // Control records the controller does not see (the LeaderChange record opening the epoch, a
                    // VotersRecord) lie between: what it computed from offsets (a broker epoch is its registration's
                    // offset) is computed again as of the offset the batch gets.
                    appended.set(0, op.apply(before.atOffset(base - 1)));
                }
                return appended.get(0).records();
            });
        } catch (SamsaException e) {
            future.completeExceptionally(e.errorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER
                ? new SamsaException(ErrorCode.NOT_CONTROLLER, e.getMessage(), e) : e);
            return;
        } catch (RuntimeException e) {
            log.error("{}Operation failed unexpectedly", prefix, e);
            future.completeExceptionally(e);
            return;
        }
        result = appended.get(0);
        long base = last - result.records().size() + 1;
        try {
            working = MetadataDelta.replayAll(before.atOffset(base - 1), result.records(), base, epoch);
            tokenControl.replay(result.records());
        } catch (RuntimeException e) {
            // The records were generated from this very state: failing to apply them is a bug.
            log.error("{}Could not apply records appended at offset {}", prefix, base, e);
            future.completeExceptionally(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                "The controller could not apply its own records", e));
            resign(e);
            return;
        }
        pending.add(new Pending(last, completion(future, result.response(), last), future));
    }

    private void completeAfter(long offset, Runnable complete, CompletableFuture<?> future) {
        if (pending.isEmpty() && offset <= published.offset()) {
            complete.run();
        } else {
            pending.add(new Pending(offset, complete, future));
        }
    }

    private SamsaException notActive() {
        return new SamsaException(ErrorCode.NOT_CONTROLLER, "Node " + config.nodeId()
            + " is not the active controller");
    }

    // ---------------------------------------------------------------- commits (controller executor)

    /** Applies committed records to the committed image; several commits queued together make one image. */
    private void replayCommitted(Batch<Message> batch) {
        if (committing == null) {
            committing = new MetadataDelta(published);
            executor.execute(this::publishCommitted);
        }
        try {
            committing.replay(batch.records(), batch.baseOffset(), batch.epoch());
        } catch (RuntimeException e) {
            // A committed record that does not apply: the log holds what this controller cannot follow.
            log.error("{}Could not apply the committed batch at offset {}", prefix, batch.baseOffset(), e);
            resign(e);
            return;
        }
        lastCommitTimestamp = batch.appendTimestamp();
        bytesSinceSnapshot += batch.sizeInBytes();
    }

    private void loadSnapshot(Snapshot<Message> snapshot) {
        MetadataDelta d = new MetadataDelta(MetadataImage.EMPTY);
        d.replaySnapshot(snapshot.records(), snapshot.id().endOffset(), snapshot.id().epoch());
        committing = null;
        published = d.apply();
        lastCommitTimestamp = snapshot.lastContainedTimestamp();
        recordsSinceSnapshot = 0;
        bytesSinceSnapshot = 0;
        if (!active) {
            working = published;
        }
    }

    /** Publishes the committed image and completes the operations it commits. */
    private void publishCommitted() {
        MetadataDelta delta = committing;
        if (delta == null) {
            return;
        }
        committing = null;
        MetadataImage image;
        try {
            image = delta.apply();
        } catch (RuntimeException e) {
            log.error("{}Could not apply committed records", prefix, e);
            resign(e);
            return;
        }
        published = image;
        if (!active) {
            working = image;
        }
        recordsSinceSnapshot += delta.recordCount();
        while (!pending.isEmpty() && pending.peek().offset() <= image.offset()) {
            pending.poll().complete().run();
        }
        if (active && (recordsSinceSnapshot >= config.snapshotMaxRecords()
                || bytesSinceSnapshot >= config.snapshotMaxBytes())) {
            writeSnapshot();
        }
    }

    private CompletableFuture<SnapshotId> writeSnapshot() {
        MetadataImage image = published;
        recordsSinceSnapshot = 0;
        bytesSinceSnapshot = 0;
        return raft.createSnapshot(new Snapshot<>(new SnapshotId(image.offset() + 1, image.epoch()),
            lastCommitTimestamp, image.toRecords()));
    }

    // ---------------------------------------------------------------- leadership (controller executor)

    private void leaderChanged(LeaderAndEpoch leader) {
        if (leader.hasLeader() && !leader.isLeader(config.nodeId())) {
            previousLeader = leader.leaderId();
        }
        publishCommitted();
        if (leader.isLeader(config.nodeId())) {
            if (!active) {
                becomeActive(leader.epoch());
            }
        } else if (active) {
            resign(null);
        }
    }

    /** The last other node this replica knew as the quorum's leader, -1 for none. Executor only. */
    private int previousLeader = -1;

    private void becomeActive(int newEpoch) {
        epoch = newEpoch;
        active = true;
        working = published;
        // The HMAC index follows the working image from here on (run() replays every record appended into both).
        tokenControl.rebuild(working);
        clusterControl.heartbeats().activate(published, config.clock().milliseconds());
        MetadataImage image = published;
        if (image.clusterId() == null) {
            String clusterId = config.clusterId() != null ? config.clusterId() : newClusterId();
            List<Message> records = new ArrayList<>();
            records.add(new ClusterIdRecord().setClusterId(clusterId));
            new TreeMap<>(config.bootstrapFeatures()).forEach((name, level) ->
                records.add(new FeatureLevelRecord().setName(name).setFeatureLevel(level)));
            CompletableFuture<Committed<Void>> formatted = new CompletableFuture<>();
            run(img -> new ControllerResult<Void>(records, null), formatted);
            formatted.whenComplete((v, e) -> {
                if (e != null) {
                    ready.completeExceptionally(e);
                } else {
                    log.info("{}Formatted the metadata log with cluster id {}", prefix, clusterId);
                    started();
                }
            });
        } else if (config.clusterId() != null && !config.clusterId().equals(image.clusterId())) {
            active = false;
            ready.completeExceptionally(new SamsaException(ErrorCode.INCONSISTENT_CLUSTER_ID, "The metadata log"
                + " belongs to cluster " + image.clusterId() + ", not " + config.clusterId()));
        } else {
            started();
        }
    }

    private void started() {
        MetadataImage image = published;
        log.info("{}Active in epoch {} at offset {} ({} topic(s), {} broker(s))", prefix, epoch, image.offset(),
            image.topicsByName().size(), image.brokers().size());
        startTimers();
        ready.complete(this);
        fencePreviousLeader(image);
    }

    /**
     * A new active controller fences the broker of the node that led the quorum before it, when that node is still
     * a voter and its broker is registered and unfenced: an election happens because a majority lost that leader (pre-
     * vote, check-quorum), so its process is most likely dead or cut off, and waiting out its session (which this
     * controller only starts now) would stall its partitions for {@code broker.session.timeout.ms}. A live broker
     * heartbeats to this controller and is unfenced again once caught up. (Kafka waits for the session.)
     */
    private void fencePreviousLeader(MetadataImage image) {
        int prev = previousLeader;
        BrokerRegistration b = prev < 0 ? null : image.broker(prev);
        if (b == null || b.fenced() || b.inControlledShutdown() || !raft.voters().ids().contains(prev)) {
            return;
        }
        CompletableFuture<Committed<Boolean>> f = new CompletableFuture<>();
        run(img -> clusterControl.fenceAtOnce(img, prev, b.brokerEpoch(), "its node led the quorum before this "
            + "controller was elected; not waiting for its session to expire"), f);
    }

    /**
     * Stops leading: operations not committed yet fail, and the working state goes back to the committed one. A
     * lost leadership (another leader, or none while an election runs) is routine: they fail with
     * {@code NOT_CONTROLLER}, which clients and the forwarding controller retry. Only a {@code cause} (records
     * this controller could not apply) fails them with {@code KAFKA_STORAGE_ERROR}.
     */
    private void resign(Throwable cause) {
        if (!active && pending.isEmpty()) {
            return;
        }
        active = false;
        stopTimers();
        working = published;
        SamsaException error = cause != null
            ? new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, "The metadata log is unavailable", cause)
            : notActive();
        if (cause != null) {
            log.error("{}No longer the active controller; {} operation(s) fail", prefix, pending.size(), cause);
        } else {
            log.info("{}No longer the active controller (epoch {}, now {}); {} operation(s) fail with {}", prefix,
                epoch, raft.leaderAndEpoch(), pending.size(), error.errorCode());
        }
        for (Pending p : pending) {
            p.future().completeExceptionally(error);
        }
        pending.clear();
        ready.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        raft.unregister(raftListener);
        executor.execute(() -> {
            for (Pending p : pending) {
                p.future().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER,
                    "The controller is shut down"));
            }
            pending.clear();
            active = false;
            stopTimers();
        });
        log.info("{}Stopped at offset {}", prefix, published.offset());
    }

    /** Hands what the Raft log says over to the controller's executor. */
    private final class RaftListener implements RaftClient.Listener<Message> {
        @Override
        public void handleCommit(Batch<Message> batch) {
            executor.execute(() -> replayCommitted(batch));
        }

        @Override
        public void handleLoadSnapshot(Snapshot<Message> snapshot) {
            executor.execute(() -> loadSnapshot(snapshot));
        }

        @Override
        public void handleLeaderChange(LeaderAndEpoch leader) {
            executor.execute(() -> leaderChanged(leader));
        }
    }
}
