package io.samsa.raft;

import io.netty.buffer.ByteBuf;

/**
 * Turns the replicated log's records into the values of log records and back (the record keys are null). The
 * metadata log's serde frames each record as KRaft does (see {@code io.samsa.metadata.MetadataRecordSerde}).
 * Implementations are stateless and thread-safe.
 */
public interface RecordSerde<T> {

    /** The number of bytes {@link #write} writes for {@code record}. */
    int size(T record);

    /** Writes {@code record}. Borrows {@code out}. */
    void write(T record, ByteBuf out);

    /**
     * Reads one record that fills the readable bytes of {@code in}. Borrows {@code in}.
     *
     * @throws io.samsa.wire.DecodeException for bytes that are not a record
     */
    T read(ByteBuf in);
}
