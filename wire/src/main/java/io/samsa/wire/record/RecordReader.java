package io.samsa.wire.record;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.samsa.wire.DecodeException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The convenient way to read records: copies every record of a batch into {@link Record} values.
 * For tests, control records and the control path (coordinator replay); the hot path uses
 * {@link RecordCursor}, which allocates nothing per record.
 *
 * <p>Stateless; any thread.
 */
public final class RecordReader {
    private RecordReader() {
    }

    /**
     * Reads every record of {@code batch} (validated or not; the CRC is not checked here). Borrows
     * the batch's buffer; a compressed batch decompresses into a temporary buffer from
     * {@code alloc} of at most {@code maxRecordsBytes}, released before returning.
     */
    public static List<Record> read(RecordBatchView batch, ByteBufAllocator alloc, int maxRecordsBytes) {
        List<Record> records = new ArrayList<>();
        try (RecordCursor cursor = new RecordCursor().open(batch, alloc, maxRecordsBytes)) {
            ByteBuf buf = cursor.buffer();
            while (cursor.next()) {
                List<Header> headers = cursor.headerCount() == 0 ? Collections.emptyList()
                        : new ArrayList<>(cursor.headerCount());
                while (cursor.nextHeader()) {
                    String key = buf.toString(cursor.headerKeyIndex(), cursor.headerKeyLength(),
                            StandardCharsets.UTF_8);
                    headers.add(new Header(key, bytes(buf, cursor.headerValueIndex(), cursor.headerValueLength())));
                }
                records.add(new Record(cursor.offset(), cursor.timestamp(),
                        bytes(buf, cursor.keyIndex(), cursor.keyLength()),
                        bytes(buf, cursor.valueIndex(), cursor.valueLength()), headers));
            }
        }
        return records;
    }

    /**
     * Reads every batch in the readable bytes of {@code buf} (each validated, CRC included) and
     * returns all their records in order. Borrows {@code buf}.
     */
    public static List<Record> readAll(ByteBuf buf, ByteBufAllocator alloc, int maxRecordsBytes) {
        List<Record> records = new ArrayList<>();
        RecordBatchView view = new RecordBatchView();
        int index = buf.readerIndex();
        while (index < buf.writerIndex()) {
            view.wrap(buf, index).validate(buf.writerIndex() - index);
            records.addAll(read(view, alloc, maxRecordsBytes));
            index += view.sizeInBytes();
        }
        return records;
    }

    private static byte[] bytes(ByteBuf buf, int index, int length) {
        if (length < 0) {
            return null;
        }
        if (length > buf.writerIndex() - index) {
            throw new DecodeException("Record field of " + length + " bytes runs past the records");
        }
        return ByteBufUtil.getBytes(buf, index, length);
    }
}
