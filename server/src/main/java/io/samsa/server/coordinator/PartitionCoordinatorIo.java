package io.samsa.server.coordinator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.CoordinatorPartitionWriter;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.log.FileSlice;
import io.samsa.replication.DelayedProduce;
import io.samsa.replication.FetchIsolation;
import io.samsa.replication.MarkerAppend;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
import io.samsa.replication.PartitionWatcher;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.Record;
import io.samsa.wire.record.RecordBatchBuilder;
import io.samsa.wire.record.RecordBatchView;
import io.samsa.wire.record.RecordReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The coordinator's partition access on this broker's partitions of one internal topic ({@code __consumer_offsets},
 * {@code __transaction_state}): an append is one batch, appended with acks=all on the partition's shard by
 * replication's {@link DelayedProduce} (no timeout) and completed, on that shard, once the high watermark passes it;
 * a transactional append is one producer's transactional batch (no sequence numbers: the partition checks the
 * producer's epoch only), and a marker is the producer's commit or abort control batch. Loads read the partition
 * from its log start offset up to its log end offset on the loader executor, pass the records of transactional
 * batches and the markers to the sink as such, and complete once the high watermark has passed what they read
 * ({@link #load}). Thread-safe.
 */
public final class PartitionCoordinatorIo implements CoordinatorPartitionWriter, CoordinatorLoader {
    private static final int READ_BYTES = 1 << 20;
    private static final int MAX_RECORDS_BYTES = 64 << 20;

    private final String topic;
    private final ReplicaManager replicas;
    private final Clock clock;
    private final Executor loaderExecutor;
    private final ByteBufAllocator alloc;

    public PartitionCoordinatorIo(String topic, ReplicaManager replicas, Clock clock, Executor loaderExecutor,
                                  ByteBufAllocator alloc) {
        this.topic = topic;
        this.replicas = replicas;
        this.clock = clock;
        this.loaderExecutor = loaderExecutor;
        this.alloc = alloc;
    }

    private Partition partition(int index) {
        Partition p = replicas.partition(topic, index);
        if (p == null || p.isDeleted() || !p.isLeader()) {
            throw new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "This broker does not lead " + topic + "-"
                    + index);
        }
        return p;
    }

    @Override
    public CompletableFuture<Long> append(int index, List<CoordinatorRecord> records) {
        return appendBatch(index, records, -1, (short) -1);
    }

    @Override
    public CompletableFuture<Long> appendTransactional(int index, long producerId, short producerEpoch,
                                                       List<CoordinatorRecord> records) {
        return appendBatch(index, records, producerId, producerEpoch);
    }

    @Override
    public CompletableFuture<Long> appendEndTransaction(int index, long producerId, short producerEpoch,
                                                        int coordinatorEpoch, boolean commit) {
        Partition p;
        try {
            p = partition(index);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CoordinatorAppend op = new CoordinatorAppend(replicas.shards(), p);
        op.add(new MarkerAppend(p, producerId, producerEpoch, commit, coordinatorEpoch, (short) 0));
        op.start();
        return op.done;
    }

    /** One batch of the records; a transactional one of {@code producerId} when it is not -1. */
    private CompletableFuture<Long> appendBatch(int index, List<CoordinatorRecord> records, long producerId,
                                                short producerEpoch) {
        Partition p;
        ByteBuf batch;
        try {
            p = partition(index);
            long now = clock.milliseconds();
            try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
                if (producerId >= 0) {
                    b.producer(producerId, producerEpoch, RecordBatchView.NO_SEQUENCE).transactional(true);
                }
                for (CoordinatorRecord r : records) {
                    b.append(now, r.key(), r.value());
                }
                batch = b.build();
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CoordinatorAppend op = new CoordinatorAppend(replicas.shards(), p);
        op.add(new BatchAppend(p, batch));
        op.start();
        return op.done;
    }

    /** One coordinator write: acks=all on the partition's shard (its home too), complete once committed. */
    private static final class CoordinatorAppend extends DelayedProduce<DelayedProduce.Append> {
        final CompletableFuture<Long> done = new CompletableFuture<>();

        CoordinatorAppend(ShardProxy shards, Partition p) {
            super(shards.shardOf(p), shards, -1, -1, 1);
        }

        @Override
        protected void onProduceComplete(boolean expired) {
            Append a = appends().get(0);
            if (a.error() != null) {
                done.completeExceptionally(a.error());
                return;
            }
            long end = a.result().lastOffset() + 1;
            if (a.committed()) {
                done.complete(end);
            } else {
                done.completeExceptionally(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "Lost leadership of " + a.partition().name() + " before offset " + end + " was committed"));
            }
        }
    }

    /**
     * Appends the coordinator's batch as a coordinator's (a producer's batch is checked by epoch only), then releases
     * it (the append copied it to the log).
     */
    private static final class BatchAppend extends DelayedProduce.Append {
        private final ByteBuf batch;

        BatchAppend(Partition partition, ByteBuf batch) {
            super(partition, batch);
            this.batch = batch;
        }

        @Override
        protected void runOnShard() {
            try {
                appended(partition.appendAsCoordinator(batch, requiredAcks()));
            } finally {
                batch.release();
            }
        }
    }

    /**
     * Replays the partition from its log start to its log end as this broker found it on becoming leader (a new
     * leader's log is the partition's history: the followers take it), then completes once the high watermark has
     * passed that end, so that the coordinator serves nothing a failover could take back; until then it answers
     * COORDINATOR_LOAD_IN_PROGRESS. Fails with NOT_LEADER_OR_FOLLOWER if this broker stops leading the partition,
     * or leads it in another epoch, first.
     */
    @Override
    public CompletableFuture<Long> load(int index, RecordSink sink) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        loaderExecutor.execute(() -> {
            try {
                Partition p = partition(index);
                int epoch = p.leaderEpoch();
                long end = replay(p, sink);
                new CommitWait(p, epoch, end, done).check();
            } catch (RuntimeException | IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /** Completes a load once the high watermark reaches its end, while the leadership it was read in lasts. */
    private record CommitWait(Partition p, int epoch, long end, CompletableFuture<Long> done)
            implements PartitionWatcher {
        /** Checks now, and watches the partition until done. Any thread. */
        void check() {
            if (!settle()) {
                p.watch(this);
                // The high watermark may have moved between the first check and the watch.
                settle();
            }
        }

        /** Completes the load if its fate is known; true when done. */
        private boolean settle() {
            if (done.isDone()) {
                return true;
            }
            if (!p.isLeader() || p.leaderEpoch() != epoch) {
                done.completeExceptionally(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER, "Lost leadership of "
                        + p.name() + " (epoch " + epoch + ") while loading it"));
                return true;
            }
            if (p.highWatermark() >= end) {
                done.complete(end);
                return true;
            }
            return false;
        }

        @Override
        public void onPartitionChange() {
            settle();
        }

        @Override
        public boolean isDone() {
            return done.isDone();
        }
    }

    private long replay(Partition p, RecordSink sink) throws IOException {
        long offset = p.logStartOffset();
        long end = p.logEndOffset();
        RecordBatchView view = new RecordBatchView();
        while (offset < end) {
            PartitionRead read = p.read(offset, READ_BYTES, FetchIsolation.LOG_END, true);
            FileSlice slice = read.records();
            if (slice.isEmpty()) {
                break;
            }
            ByteBuf buf = Unpooled.buffer(slice.length());
            try {
                ByteBuffer nio = ByteBuffer.allocate(slice.length());
                long pos = slice.position();
                while (nio.hasRemaining()) {
                    int n = slice.channel().read(nio, pos + nio.position());
                    if (n < 0) {
                        break;
                    }
                }
                nio.flip();
                buf.writeBytes(nio);
            } finally {
                slice.release();
            }
            long next = offset;
            try {
                int index = 0;
                while (index + RecordBatchView.HEADER_SIZE <= buf.writerIndex()) {
                    view.wrap(buf, index);
                    if (index + view.sizeInBytes() > buf.writerIndex()) {
                        break;
                    }
                    if (view.lastOffset() >= offset) {
                        replayBatch(view, offset, sink);
                    }
                    next = view.nextOffset();
                    index += view.sizeInBytes();
                }
            } finally {
                buf.release();
            }
            if (next <= offset) {
                break;
            }
            offset = next;
        }
        return offset;
    }

    /** One batch's records from {@code offset}: plain, a producer's transactional ones, or its marker. */
    private void replayBatch(RecordBatchView view, long offset, RecordSink sink) {
        boolean txn = view.isTransactional() && view.hasProducerId();
        for (Record r : RecordReader.read(view, alloc, MAX_RECORDS_BYTES)) {
            if (r.offset() < offset || r.key() == null) {
                continue;
            }
            if (view.isControl()) {
                int type = r.key().length >= 4 ? ((r.key()[2] & 0xff) << 8) | (r.key()[3] & 0xff) : -1;
                // Control records of other types (none today) are not the coordinator's.
                if (txn && (type == 0 || type == 1)) {
                    sink.acceptEndTransaction(r.offset(), view.producerId(), view.producerEpoch(), type == 1);
                }
            } else if (txn) {
                sink.acceptTransactional(r.offset(), view.producerId(), view.producerEpoch(), r.key(), r.value());
            } else {
                sink.accept(r.offset(), r.key(), r.value());
            }
        }
    }
}
