package io.samsa.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.record.CompressionType;
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
 * Question: what does the fetch path pay to build and encode a Fetch response of 16 partitions with one
 * 16 KiB batch each, with the generated {@link FetchResponse}, (a) when the records are copied into the
 * output buffer ({@code buildAndEncode}, the TLS path) and (b) when they are deferred to a file region and
 * only the framing is written ({@code buildAndEncodeFraming}, the sendfile path)? And what does a client or
 * follower pay to decode one ({@code decode}: record bytes stay slices)? Bytes/op shows the objects per
 * partition the generated classes create.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FetchResponseBenchmark {
    private static final int PARTITIONS = 16;
    private static final UUID TOPIC_ID = new UUID(0x5a3b5a3b5a3b5a3bL, 0x1234567812345678L);

    /** 11: topic names; 17: topic ids (KIP-516), what 4.x consumers ask for. */
    @Param({"11", "17"})
    public short version;

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final ByteBuf[] batches = new ByteBuf[PARTITIONS];
    private final Records[] records = new Records[PARTITIONS];
    private final Records[] deferred = new Records[PARTITIONS];
    private ByteBuf encoded;

    /** Stands for a file region: occupies its size in the frame, writes nothing (sendfile splices it). */
    private static final class DeferredRecords implements Records {
        private final int size;

        DeferredRecords(int size) {
            this.size = size;
        }

        @Override
        public int sizeInBytes() {
            return size;
        }

        @Override
        public void writeTo(ByteBuf out) {
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        for (int p = 0; p < PARTITIONS; p++) {
            int count = Batches.recordsPerBatch(1024, 16 * 1024);
            batches[p] = Batches.build(alloc, CompressionType.NONE, Batches.values(count, 1024, p));
            records[p] = new ByteBufRecords(batches[p]);
            deferred[p] = new DeferredRecords(batches[p].readableBytes());
        }
        FetchResponse r = build(records);
        encoded = alloc.directBuffer(r.size(version));
        r.write(encoded, version);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoded.release();
        for (ByteBuf b : batches) {
            b.release();
        }
    }

    private FetchResponse build(Records[] recs) {
        List<FetchResponse.PartitionData> parts = new ArrayList<>(PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) {
            parts.add(new FetchResponse.PartitionData().setPartitionIndex(p).setHighWatermark(1_000_000L)
                    .setLastStableOffset(1_000_000L).setLogStartOffset(0L).setRecords(recs[p]));
        }
        FetchResponse.FetchableTopicResponse topic = new FetchResponse.FetchableTopicResponse().setPartitions(parts);
        if (version >= 13) {
            topic.setTopicId(TOPIC_ID);
        } else {
            topic.setTopic("bench-topic");
        }
        List<FetchResponse.FetchableTopicResponse> topics = new ArrayList<>(1);
        topics.add(topic);
        return new FetchResponse().setSessionId(0).setResponses(topics);
    }

    private int encode(Records[] recs) {
        FetchResponse r = build(recs);
        ByteBuf out = alloc.directBuffer(r.size(version));
        try {
            r.write(out, version);
            return out.writerIndex();
        } finally {
            out.release();
        }
    }

    /** Builds the response objects and writes them, copying 256 KiB of record bytes. */
    @Benchmark
    public int buildAndEncode() {
        return encode(records);
    }

    /** Builds the response objects and writes only the framing; the records would follow by sendfile. */
    @Benchmark
    public int buildAndEncodeFraming() {
        return encode(deferred);
    }

    /** Decodes the encoded response; each partition's records become a slice of the input. */
    @Benchmark
    public FetchResponse decode() {
        encoded.readerIndex(0);
        FetchResponse r = new FetchResponse();
        r.read(encoded, version);
        return r;
    }
}
