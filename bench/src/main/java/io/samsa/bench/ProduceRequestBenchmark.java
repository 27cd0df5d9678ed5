package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.record.CompressionType;
import io.samsa.wire.record.RecordBatchView;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Question: what do decoding and encoding a Produce request cost, in time and in bytes allocated, with the
 * generated {@link ProduceRequest}: 16 partitions of one topic, each carrying one 16 KiB batch of 1 KiB or
 * 100 B records (15 or 136 records per batch)? Decoding must cost a bounded number of objects per batch,
 * never per record: bytes/op must be the same for both record sizes although the 100 B case holds nine
 * times as many records. {@code decodeAndCheck} adds what the produce path does to each batch before the
 * append (header view and CRC32C), which must not allocate either.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProduceRequestBenchmark {
    static final int PARTITIONS = 16;
    static final int BATCH_BYTES = 16 * 1024;

    @Param({"1024", "100"})
    public int recordSize;

    /** 9: the first flexible version (topic names); 13: topic ids (KIP-516), what 4.x clients send. */
    @Param({"9", "13"})
    public short version;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final RecordBatchView view = new RecordBatchView();
    private final List<ByteBuf> batches = new ArrayList<>();
    private ProduceRequest request;
    private ByteBuf encoded;

    @Setup(Level.Trial)
    public void setUp() {
        List<ProduceRequest.PartitionProduceData> parts = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            int count = Batches.recordsPerBatch(recordSize, BATCH_BYTES);
            ByteBuf batch = Batches.build(alloc, CompressionType.NONE, Batches.values(count, recordSize, p));
            batches.add(batch);
            parts.add(new ProduceRequest.PartitionProduceData().setIndex(p).setRecords(new ByteBufRecords(batch)));
        }
        ProduceRequest.TopicProduceData topic = new ProduceRequest.TopicProduceData().setPartitionData(parts);
        if (version >= 13) {
            topic.setTopicId(new UUID(0x5a3b5a3b5a3b5a3bL, 0x1234567812345678L));
        } else {
            topic.setName("bench-topic");
        }
        List<ProduceRequest.TopicProduceData> topics = new ArrayList<>();
        topics.add(topic);
        request = new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics);
        encoded = alloc.directBuffer(request.size(version));
        request.write(encoded, version);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
        for (ByteBuf b : batches) {
            b.release();
        }
        batches.clear();
    }

    /** Decodes the whole request: the objects of the request, its topic and 16 partitions, 16 slices. */
    @Benchmark
    public ProduceRequest decode() {
        encoded.readerIndex(0);
        ProduceRequest r = new ProduceRequest();
        r.read(encoded, version);
        return r;
    }

    /** Decodes, then checks each batch as the produce path does before appending (header, CRC32C). */
    @Benchmark
    public int decodeAndCheck() {
        encoded.readerIndex(0);
        ProduceRequest r = new ProduceRequest();
        r.read(encoded, version);
        int records = 0;
        List<ProduceRequest.TopicProduceData> topics = r.topicData();
        for (int t = 0; t < topics.size(); t++) {
            List<ProduceRequest.PartitionProduceData> parts = topics.get(t).partitionData();
            for (int p = 0; p < parts.size(); p++) {
                ByteBuf b = ((ByteBufRecords) parts.get(p).records()).buffer();
                view.wrap(b, b.readerIndex());
                if (view.magic() == RecordBatchView.MAGIC_V2 && view.isCrcValid()) {
                    records += view.recordCount();
                }
            }
        }
        return records;
    }

    /** Sizes, allocates once from the pooled allocator, writes (copying the 256 KiB of batches), releases. */
    @Benchmark
    public int encode() {
        ByteBuf out = alloc.directBuffer(request.size(version));
        try {
            request.write(out, version);
            return out.writerIndex();
        } finally {
            out.release();
        }
    }
}
