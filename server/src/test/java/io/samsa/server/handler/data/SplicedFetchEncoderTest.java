package io.samsa.server.handler.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.samsa.log.FileSlice;
import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import io.samsa.server.network.ResponseEncoder;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sendfile encoder: a fetch response whose records stay in segment files, encoded as buffer slices with file
 * regions between them, written through an {@link EmbeddedChannel}, must be byte for byte what the official
 * client parses as the same response.
 */
class SplicedFetchEncoderTest {
    @TempDir
    Path dir;
    private LogManager logs;
    private Log log;

    @BeforeEach
    void setUp() throws Exception {
        logs = LogManager.builder(dir).build();
        log = logs.getOrCreate("t", 0, LogConfig.DEFAULTS);
        for (int b = 0; b < 3; b++) {
            SimpleRecord[] rs = new SimpleRecord[4];
            for (int i = 0; i < 4; i++) {
                rs[i] = new SimpleRecord(1_000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("batch" + b + "-" + i).getBytes(StandardCharsets.UTF_8));
            }
            ByteBuf buf = Unpooled.wrappedBuffer(MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V2, 0L,
                    Compression.NONE, TimestampType.CREATE_TIME, rs).buffer());
            try {
                log.appendAsLeader(buf, 0);
            } finally {
                buf.release();
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        logs.close();
    }

    private static byte[] fileBytes(FileSlice s) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(s.length());
        long pos = s.position();
        while (b.hasRemaining()) {
            pos += s.channel().read(b, pos);
        }
        return b.array();
    }

    /** What the peer receives: the parts written to the channel, in order. */
    private static byte[] writeThrough(Object encoded) throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        List<?> parts = encoded instanceof List<?> l ? l : List.of(encoded);
        for (Object part : parts) {
            ch.writeOutbound(part);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        Object msg;
        List<FileRegion> regions = new ArrayList<>();
        while ((msg = ch.readOutbound()) != null) {
            if (msg instanceof ByteBuf b) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.write(bytes);
                b.release();
            } else {
                FileRegion r = assertInstanceOf(FileRegion.class, msg);
                while (r.transferred() < r.count()) {
                    r.transferTo(sink, r.transferred());
                }
                regions.add(r);
                r.release();
            }
        }
        for (FileRegion r : regions) {
            assertEquals(0, r.refCnt(), "the region (and its file slice) is released once written");
        }
        ch.finishAndReleaseAll();
        return out.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(shorts = {4, 11, 12, 16})
    void splicedBytesAreWhatTheOfficialClientParses(short version) throws Exception {
        FileSlice all = log.read(0, 1 << 20, log.logEndOffset(), true).records();
        FileSlice tail = log.read(8, 1 << 20, log.logEndOffset(), true).records();
        byte[] allBytes = fileBytes(all);
        byte[] tailBytes = fileBytes(tail);
        FileRecords f1 = new FileRecords(all);
        FileRecords f2 = new FileRecords(tail);
        FetchResponse resp = new FetchResponse().setSessionId(version >= 7 ? 1234 : 0);
        FetchResponse.FetchableTopicResponse t = new FetchResponse.FetchableTopicResponse();
        if (version >= 13) {
            t.setTopicId(java.util.UUID.randomUUID());
        } else {
            t.setTopic("t");
        }
        t.partitions().add(new FetchResponse.PartitionData().setPartitionIndex(0).setHighWatermark(12)
                .setLastStableOffset(12).setLogStartOffset(0).setRecords(f1).setAbortedTransactions(null));
        t.partitions().add(new FetchResponse.PartitionData().setPartitionIndex(1).setHighWatermark(0)
                .setLastStableOffset(0).setLogStartOffset(0).setRecords(new ByteBufRecords(Unpooled.EMPTY_BUFFER))
                .setAbortedTransactions(null));
        t.partitions().add(new FetchResponse.PartitionData().setPartitionIndex(2).setHighWatermark(12)
                .setLastStableOffset(12).setLogStartOffset(0).setRecords(f2).setAbortedTransactions(null));
        resp.responses().add(t);
        short headerVersion = version >= 12 ? (short) 1 : (short) 0;
        Object encoded = ResponseEncoder.encodeResponse(ByteBufAllocator.DEFAULT, 42, headerVersion,
                new FetchResponseWithFiles(resp, List.of(f1, f2)), version);
        List<?> parts = assertInstanceOf(List.class, encoded);
        // buffer, file, buffer, file, and a last buffer when fields follow the last records.
        assertTrue(parts.size() == 4 || parts.size() == 5, parts.toString());
        assertInstanceOf(FileRegion.class, parts.get(1));
        assertInstanceOf(FileRegion.class, parts.get(3));

        ByteBuffer wire = ByteBuffer.wrap(writeThrough(encoded));
        assertEquals(wire.remaining() - 4, wire.getInt(), "the size prefix counts the file bytes");
        assertEquals(42, wire.getInt());
        if (headerVersion == 1) {
            assertEquals(0, wire.get(), "no tagged fields in the header");
        }
        FetchResponseData data = new FetchResponseData(new ByteBufferAccessor(wire), version);
        assertEquals(0, wire.remaining());
        List<FetchResponseData.PartitionData> ps = data.responses().get(0).partitions();
        assertEquals(3, ps.size());
        assertArrayEquals(allBytes, bytesOf((MemoryRecords) ps.get(0).records()));
        assertEquals(0, ((MemoryRecords) ps.get(1).records()).sizeInBytes());
        assertArrayEquals(tailBytes, bytesOf((MemoryRecords) ps.get(2).records()));
        assertEquals(12, ps.get(0).highWatermark());
        int records = 0;
        for (RecordBatch b : ((MemoryRecords) ps.get(0).records()).batches()) {
            b.ensureValid();
            records += b.countOrNull();
        }
        assertEquals(12, records);
        if (version >= 7) {
            assertEquals(1234, data.sessionId());
        }
    }

    private static byte[] bytesOf(MemoryRecords r) {
        ByteBuffer b = r.buffer().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void aFailedEncodingReleasesTheFileSlices() {
        FileSlice all = log.read(0, 1 << 20, log.logEndOffset(), true).records();
        FileRecords f = new FileRecords(all);
        FetchResponse resp = new FetchResponse();
        FetchResponse.FetchableTopicResponse t = new FetchResponse.FetchableTopicResponse().setTopic("t");
        t.partitions().add(new FetchResponse.PartitionData().setRecords(f));
        resp.responses().add(t);
        // Version 99 does not exist: encoding fails after the records were handed to the encoder.
        assertThrows(RuntimeException.class, () -> ResponseEncoder.encodeResponse(ByteBufAllocator.DEFAULT, 1,
                (short) 0, new FetchResponseWithFiles(resp, List.of(f)), (short) 99));
        FileRegion region = f.toFileRegion();
        // The slice was released by the encoder: the region made afterwards must not release it again.
        assertEquals(1, region.refCnt());
    }
}
