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
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
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
 * The coordinator's partition access on this broker's partitions of one internal topic: an append is one batch,
 * appended with acks=all on the partition's shard by replication's {@link DelayedProduce} (no timeout) and
 * completed, on that shard, once the high watermark passes it; loads read the partition from its log start offset
 * up to its high watermark on the loader executor. Thread-safe.
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
        Partition p;
        ByteBuf batch;
        try {
            p = partition(index);
            long now = clock.milliseconds();
            try (RecordBatchBuilder b = new RecordBatchBuilder(alloc)) {
                for (CoordinatorRecord r : records) {
                    b.append(now, r.key(), r.value());
                }
                batch = b.build();
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CoordinatorAppend op = new CoordinatorAppend(replicas.shards(), p, batch);
        op.start();
        return op.done;
    }

    /** One coordinator write: acks=all on the partition's shard (its home too), complete once committed. */
    private static final class CoordinatorAppend extends DelayedProduce<DelayedProduce.Append> {
        final CompletableFuture<Long> done = new CompletableFuture<>();

        CoordinatorAppend(ShardProxy shards, Partition p, ByteBuf batch) {
            super(shards.shardOf(p), shards, -1, -1, 1);
            add(new BatchAppend(p, batch));
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

    /** Appends the coordinator's batch, then releases it (the append copied it to the log). */
    private static final class BatchAppend extends DelayedProduce.Append {
        private final ByteBuf batch;

        BatchAppend(Partition partition, ByteBuf batch) {
            super(partition, batch);
            this.batch = batch;
        }

        @Override
        protected void runOnShard() {
            try {
                super.runOnShard();
            } finally {
                batch.release();
            }
        }
    }

    @Override
    public CompletableFuture<Long> load(int index, RecordSink sink) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        loaderExecutor.execute(() -> {
            try {
                done.complete(replay(partition(index), sink));
            } catch (RuntimeException | IOException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private long replay(Partition p, RecordSink sink) throws IOException {
        long offset = p.logStartOffset();
        long end = p.highWatermark();
        RecordBatchView view = new RecordBatchView();
        while (offset < end) {
            PartitionRead read = p.read(offset, READ_BYTES, false, true);
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
                    if (!view.isControl() && view.lastOffset() >= offset) {
                        for (Record r : RecordReader.read(view, alloc, MAX_RECORDS_BYTES)) {
                            if (r.offset() >= offset && r.key() != null) {
                                sink.accept(r.offset(), r.key(), r.value());
                            }
                        }
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
}
