package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flyweight cursor: fields in place, no allocation, and typed errors for malformed records. */
class RecordCursorTest {
    private final TrackingAllocator alloc = new TrackingAllocator();

    @AfterEach
    void everythingReleased() {
        alloc.assertAllReleased();
    }

    /** A batch header with a correct CRC around hand-written record bytes. */
    static ByteBuf rawBatch(int count, CompressionType type, Consumer<ByteBuf> records) {
        ByteBuf body = Unpooled.buffer();
        records.accept(body);
        ByteBuf batch = Unpooled.buffer();
        batch.writeLong(100).writeInt(0).writeInt(0).writeByte(2).writeInt(0).writeShort(type.id())
                .writeInt(Math.max(count - 1, 0)).writeLong(5000).writeLong(5000).writeLong(-1).writeShort(-1)
                .writeInt(-1).writeInt(count);
        type.compress(body, batch);
        body.release();
        batch.setInt(8, batch.readableBytes() - 12);
        RecordBatchView view = new RecordBatchView().wrap(batch, 0);
        batch.setInt(17, (int) view.computeCrc());
        return batch;
    }

    /** Writes one record: length, attributes, deltas, key, value, no headers. */
    static void record(ByteBuf out, int offsetDelta, String key, String value) {
        ByteBuf r = Unpooled.buffer();
        r.writeByte(0);
        Varints.writeVarlong(r, 3);
        Varints.writeVarint(r, offsetDelta);
        writeString(r, key);
        writeString(r, value);
        Varints.writeVarint(r, 0);
        Varints.writeVarint(out, r.readableBytes());
        out.writeBytes(r);
        r.release();
    }

    static void writeString(ByteBuf out, String s) {
        if (s == null) {
            Varints.writeVarint(out, -1);
        } else {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            Varints.writeVarint(out, b.length);
            out.writeBytes(b);
        }
    }

    @Test
    void exposesFieldsInPlaceWithoutAllocatingForUncompressedBatches() {
        ByteBuf batch;
        try (RecordBatchBuilder b = new RecordBatchBuilder(Unpooled.buffer().alloc())) {
            batch = b.baseOffset(9).append(50L, "k".getBytes(StandardCharsets.UTF_8), null,
                    List.of(new Header("a", new byte[] {1, 2}), new Header("b", null)))
                    .append(40L, (byte[]) null, new byte[] {3}).build();
        }
        try {
            RecordBatchView view = new RecordBatchView().wrap(batch, 0);
            RecordCursor cursor = new RecordCursor().open(view, alloc, 1024);
            assertTrue(cursor.next());
            assertEquals(9, cursor.offset());
            assertEquals(0, cursor.offsetDelta());
            assertEquals(50L, cursor.timestamp());
            assertEquals(1, cursor.keyLength());
            assertEquals('k', batch.getByte(cursor.keyIndex()));
            assertEquals(-1, cursor.valueLength());
            assertNull(cursor.valueSlice());
            assertEquals(2, cursor.headerCount());
            assertTrue(cursor.nextHeader());
            assertEquals('a', batch.getByte(cursor.headerKeyIndex()));
            assertEquals(2, cursor.headerValueLength());
            assertTrue(cursor.nextHeader());
            assertEquals(-1, cursor.headerValueLength());
            assertFalse(cursor.nextHeader());
            assertTrue(cursor.next());
            assertEquals(10, cursor.offset());
            assertEquals(-10L, cursor.timestampDelta());
            assertEquals(40L, cursor.timestamp());
            assertEquals(-1, cursor.keyLength());
            assertEquals(3, cursor.valueSlice().getByte(0));
            assertFalse(cursor.next());
            cursor.close();
            assertEquals(0, alloc.allocations(), "an uncompressed batch is read in place");
        } finally {
            batch.release();
        }
    }

    @Test
    void decompressionBeyondTheLimitFailsAndReleases() {
        ByteBuf batch = rawBatch(3, CompressionType.GZIP, out -> {
            for (int i = 0; i < 3; i++) {
                record(out, i, "key", "x".repeat(1000));
            }
        });
        try {
            RecordBatchView view = new RecordBatchView().wrap(batch, 0);
            view.validate(batch.readableBytes());
            assertThrows(DecompressionLimitException.class, () -> new RecordCursor().open(view, alloc, 2000));
            assertEquals(3, RecordReader.read(view, alloc, 4000).size());
        } finally {
            batch.release();
        }
    }

    @Test
    void malformedRecordsAreDecodeErrors() {
        assertMalformed(2, out -> record(out, 0, "a", "b"));
        assertMalformed(1, out -> {
            record(out, 0, "a", "b");
            out.writeByte(0);
        });
        assertMalformed(1, out -> Varints.writeVarint(out, 50));
        assertMalformed(1, out -> Varints.writeVarint(out, -3));
        assertMalformed(1, out -> Varints.writeVarint(out, 0));
        assertMalformed(1, out -> {
            Varints.writeVarint(out, 4);
            out.writeByte(0).writeByte(0).writeByte(0);
            Varints.writeVarint(out, -2);
        });
        assertMalformed(1, out -> {
            Varints.writeVarint(out, 8);
            out.writeByte(0).writeByte(0).writeByte(0);
            Varints.writeVarint(out, 1);
            out.writeByte('k');
            Varints.writeVarint(out, -1);
            Varints.writeVarint(out, 1);
            Varints.writeVarint(out, -1);
        });
        assertMalformed(1, out -> {
            Varints.writeVarint(out, 7);
            out.writeByte(0).writeByte(0).writeByte(0);
            Varints.writeVarint(out, -1);
            Varints.writeVarint(out, -1);
            Varints.writeVarint(out, 0);
            out.writeByte(0);
        });
        assertMalformed(Integer.MAX_VALUE, out -> record(out, 0, "a", "b"));
        assertMalformed(-1, out -> record(out, 0, "a", "b"));
    }

    private void assertMalformed(int count, Consumer<ByteBuf> records) {
        for (CompressionType type : new CompressionType[] {CompressionType.NONE, CompressionType.ZSTD}) {
            ByteBuf batch = rawBatch(count, type, records);
            try {
                RecordBatchView view = new RecordBatchView().wrap(batch, 0);
                assertThrows(DecodeException.class, () -> RecordReader.read(view, alloc, 1 << 16), type.name());
            } finally {
                batch.release();
            }
        }
    }
}
