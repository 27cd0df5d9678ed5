package io.samsa.wire.record;

import java.util.Arrays;
import java.util.List;

/**
 * One record, copied out of a batch: for tests, control records and the control path (coordinator
 * replay), never the produce or fetch path, which use {@link RecordCursor}. Key and value are null
 * when the record's are; headers are never null.
 *
 * @param offset    the batch's base offset plus the record's offset delta
 * @param timestamp the record's timestamp (the batch's max timestamp under LogAppendTime)
 */
public record Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public Record {
        headers = List.copyOf(headers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && offset == r.offset && timestamp == r.timestamp
                && Arrays.equals(key, r.key) && Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(offset);
        h = 31 * h + Long.hashCode(timestamp);
        h = 31 * h + Arrays.hashCode(key);
        h = 31 * h + Arrays.hashCode(value);
        return 31 * h + headers.hashCode();
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp + ", key="
                + (key == null ? "null" : key.length + " bytes") + ", value="
                + (value == null ? "null" : value.length + " bytes") + ", headers=" + headers + ")";
    }
}
