package io.samsa.controller.log;

import io.samsa.wire.protocol.Message;

import java.util.List;

/**
 * One batch in the metadata log: records with consecutive offsets starting at {@code baseOffset},
 * written by the leader of {@code epoch}. Immutable.
 */
public record LogEntry(long baseOffset, int epoch, long appendTimeMs, List<Message> records) {
    public LogEntry {
        records = List.copyOf(records);
    }

    /** The offset of the last record in the batch. */
    public long lastOffset() {
        return baseOffset + records.size() - 1;
    }

    /** The offset after the batch. */
    public long nextOffset() {
        return baseOffset + records.size();
    }
}
