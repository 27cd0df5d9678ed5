package io.samsa.server.coordinator;

import io.netty.buffer.ByteBuf;
import io.samsa.coordinator.TopicPartition;
import io.samsa.log.AppendResult;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.log.VerificationGuard;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.HostingChange;
import io.samsa.replication.MarkerAppend;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionAssignment;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.testkit.SimDisk;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.testkit.SimulatedCrash;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One broker of {@link TransactionSimulationTest}: its own {@link SimDisk}, log manager and replica manager (one
 * shard), leading every partition it hosts alone (one replica, {@code flush.messages=1}: an append is committed, its
 * high watermark passed, once it is fsynced, the simulation's stand-in for acks=all). A crash of its disk kills its
 * executors and loses what was not forced; {@link #start} recovers the logs in a new life, with a leader epoch one
 * higher. Appends run on the shard through replication's {@code DelayedProduce}, as the produce path and
 * WriteTxnMarkers do. Not thread-safe: the simulation's single thread.
 */
final class TxnSimBroker {
    private static final Path DATA = Path.of("/data");

    final int id;
    final String name;
    final SimDisk disk;
    private final SimScheduler scheduler;
    private final Random random;
    private final Map<String, LogConfig> topics;
    private final List<TopicPartition> hosted;
    private final Map<String, UUID> topicIds = new TreeMap<>();
    private final List<SimExecutor> executors = new ArrayList<>();
    SimExecutor shard;
    SimExecutor net;
    SimExecutor events;
    SimExecutor loader;
    ReplicaManager replicas;
    private LogManager logs;
    /** Lives started; the leader epoch of every hosted partition in the current life. */
    int lives;
    boolean up;
    long restartAt;

    TxnSimBroker(int id, String name, SimScheduler scheduler, Random random, Map<String, LogConfig> topics,
                 List<TopicPartition> hosted) {
        this.id = id;
        this.name = name;
        this.scheduler = scheduler;
        this.random = random;
        this.topics = topics;
        this.hosted = List.copyOf(hosted);
        this.disk = new SimDisk(random, scheduler.clock());
        disk.strictNames(random.nextInt(4) == 0);
        disk.onCrash(this::kill);
        long n = 1;
        for (String t : topics.keySet()) {
            topicIds.put(t, new UUID(id, n++));
        }
    }

    private void kill() {
        up = false;
        executors.forEach(SimExecutor::kill);
    }

    /**
     * Starts a life: recovers the logs and leads the hosted partitions in epoch {@link #lives}. A crash during the
     * start (the disk may be armed) throws {@link SimulatedCrash}; the caller restarts the disk and tries again.
     */
    void start() throws Exception {
        lives++;
        executors.clear();
        shard = executor("shard");
        net = executor("net");
        events = executor("coordinator");
        loader = executor("loader");
        SimExecutor hosting = executor("hosting");
        SimExecutor flusher = executor("flusher");
        SimExecutor flusherTimer = executor("flusher-timer");
        SimExecutor deleter = executor("deleter");
        logs = LogManager.builder(DATA).disk(disk).clock(scheduler.clock()).scheduler(deleter)
                .flusherExecutors(flusher, flusherTimer).flusherPollMs(50).checkpointIntervalMs(50)
                .configs(topics::get).deleteSuffixes(random).build();
        replicas = new ReplicaManager(id, logs, new ShardProxy(List.of(shard)), hosting, 600_000);
        replicas.start();
        List<HostingChange.Topic> change = new ArrayList<>();
        for (Map.Entry<String, LogConfig> t : topics.entrySet()) {
            List<PartitionAssignment> parts = new ArrayList<>();
            int count = 0;
            for (TopicPartition tp : hosted) {
                if (tp.topic().equals(t.getKey())) {
                    parts.add(new PartitionAssignment(tp.partition(), id, lives, lives, List.of(id), List.of(id)));
                    count = Math.max(count, tp.partition() + 1);
                }
            }
            if (!parts.isEmpty()) {
                change.add(new HostingChange.Topic(t.getKey(), topicIds.get(t.getKey()), count, t.getValue(), 1,
                        parts));
            }
        }
        CompletableFuture<Void> done = replicas.apply(new HostingChange(List.of(), change, true));
        scheduler.runUntil(() -> disk.isCrashed() || done.isDone());
        if (disk.isCrashed()) {
            throw new SimulatedCrash("crashed while starting " + name);
        }
        up = true;
    }

    private SimExecutor executor(String role) {
        SimExecutor e = scheduler.executor(name + "-" + role + "-" + lives);
        executors.add(e);
        return e;
    }

    List<TopicPartition> hosted() {
        return hosted;
    }

    /** The partition in this life, or null when the broker is down. Any reads (the checker). */
    Partition partition(TopicPartition tp) {
        return up ? replicas.partition(tp.topic(), tp.partition()) : null;
    }

    /**
     * Starts a transactional produce of {@code batch} (taking ownership) on the shard: the verification of the
     * transaction (KIP-890) through {@code verify} (the coordinator's AddPartitionsToTxn, asked with the partition),
     * then the append with the guard, answered once committed. Completes with the error (NONE when appended).
     */
    CompletableFuture<ErrorCode> produce(TopicPartition tp, ByteBuf batch, long pid, short epoch, int baseSeq,
                                         boolean tv2, Function<TopicPartition, CompletableFuture<ErrorCode>> verify) {
        CompletableFuture<ErrorCode> out = new CompletableFuture<>();
        int life = lives;
        shard.execute(() -> {
            Partition p = partition(tp);
            VerificationGuard guard;
            try {
                if (p == null) {
                    throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "down");
                }
                guard = p.startTransactionVerification(pid, baseSeq, epoch, tv2);
            } catch (SamsaException e) {
                batch.release();
                out.complete(e.errorCode());
                return;
            }
            if (!guard.isGuard()) {
                append(p, batch, guard, out);
                return;
            }
            verify.apply(tp).whenComplete((e, t) -> shard.execute(() -> {
                ErrorCode code = t != null ? ErrorCode.NOT_ENOUGH_REPLICAS : e;
                if (code != ErrorCode.NONE || lives != life) {
                    batch.release();
                    out.complete(lives != life ? ErrorCode.NOT_LEADER_OR_FOLLOWER : produceError(code, tv2));
                    return;
                }
                append(p, batch, guard, out);
            }));
        });
        return out;
    }

    /** Kafka's mapping of the coordinator's verification errors in a produce answer (ProduceHandler's). */
    private static ErrorCode produceError(ErrorCode e, boolean tv2) {
        return switch (e) {
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS, REQUEST_TIMED_OUT ->
                    ErrorCode.NOT_ENOUGH_REPLICAS;
            case CONCURRENT_TRANSACTIONS -> tv2 ? e : ErrorCode.NOT_ENOUGH_REPLICAS;
            case PRODUCER_FENCED -> ErrorCode.INVALID_PRODUCER_EPOCH;
            default -> e;
        };
    }

    private void append(Partition p, ByteBuf batch, VerificationGuard guard, CompletableFuture<ErrorCode> out) {
        Write w = new Write(shard, replicas.shards(), out);
        DelayedProduce.Append a = new DelayedProduce.Append(p, batch) {
            @Override
            protected void runOnShard() {
                try {
                    super.runOnShard();
                } finally {
                    batch.release();
                }
            }
        };
        a.guard(guard);
        w.add(a);
        w.start();
    }

    /** WriteTxnMarkers for one partition, acks=all; completes with the partition's error. */
    CompletableFuture<ErrorCode> marker(TopicPartition tp, long pid, short epoch, boolean commit, int coordinatorEpoch,
                                        short transactionVersion) {
        CompletableFuture<ErrorCode> out = new CompletableFuture<>();
        shard.execute(() -> {
            Partition p = partition(tp);
            if (p == null) {
                out.complete(ErrorCode.NOT_LEADER_OR_FOLLOWER);
                return;
            }
            Write w = new Write(shard, replicas.shards(), out);
            w.add(new MarkerAppend(p, pid, epoch, commit, coordinatorEpoch, transactionVersion));
            w.start();
        });
        return out;
    }

    /** One acks=all write on the shard: its error, or NONE once the high watermark passed it. */
    private static final class Write extends DelayedProduce<DelayedProduce.Append> {
        private final CompletableFuture<ErrorCode> out;

        Write(SimExecutor home, ShardProxy shards, CompletableFuture<ErrorCode> out) {
            super(home, shards, -1, -1, 1);
            this.out = out;
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            Append a = appends().get(0);
            if (a.error() != null) {
                out.complete(a.error() instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR);
                return;
            }
            AppendResult r = a.result();
            out.complete(r != null && a.committed() ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
    }
}
