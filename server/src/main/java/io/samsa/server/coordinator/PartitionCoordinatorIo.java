package io.samsa.server.coordinator;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.coordinator.CoordinatorLoader;
import io.samsa.coordinator.CoordinatorPartitionWriter;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.log.FileSlice;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
import io.samsa.replication.PartitionWatcher;
import io.samsa.server.partition.ReplicaManager;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The coordinator's partition access on this broker's partitions of one internal topic: appends go to the
 * partition's shard as one batch (acks=all) and complete when the high watermark passes them; loads read the
 * partition from its log start offset up to its high watermark on the loader executor. Thread-safe.
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
        CompletableFuture<Long> done = new CompletableFuture<>();
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
        replicas.onShard(p, () -> {
            try {
                long end = p.appendAsLeader(batch, -1).lastOffset() + 1;
                awaitCommit(p, end, done);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            } finally {
                batch.release();
            }
        });
        return done;
    }

    private static void awaitCommit(Partition p, long end, CompletableFuture<Long> done) {
        if (check(p, end, done)) {
            return;
        }
        AtomicBoolean finished = new AtomicBoolean();
        p.watch(new PartitionWatcher() {
            @Override
            public void onPartitionChange() {
                if (!finished.get() && check(p, end, done)) {
                    finished.set(true);
                }
            }

            @Override
            public boolean isDone() {
                return finished.get() || done.isDone();
            }
        });
        check(p, end, done);
    }

    private static boolean check(Partition p, long end, CompletableFuture<Long> done) {
        if (p.highWatermark() >= end) {
            done.complete(end);
            return true;
        }
        if (p.isDeleted() || !p.isLeader()) {
            done.completeExceptionally(new SamsaException(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                    "Lost leadership of " + p.name() + " before offset " + end + " was committed"));
            return true;
        }
        return false;
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
