package io.samsa.controller;

import io.netty.buffer.ByteBuf;
import io.samsa.metadata.MetadataRecordSerde;
import io.samsa.raft.RecordSerde;
import io.samsa.wire.protocol.Message;

/**
 * The records of the metadata log for the Raft log: each one framed by {@link MetadataRecordSerde} (KRaft's
 * frame). Stateless and thread-safe; use {@link #INSTANCE}.
 */
public final class MetadataLogSerde implements RecordSerde<Message> {
    public static final MetadataLogSerde INSTANCE = new MetadataLogSerde();

    private MetadataLogSerde() {
    }

    @Override
    public int size(Message record) {
        return MetadataRecordSerde.size(record);
    }

    @Override
    public void write(Message record, ByteBuf out) {
        MetadataRecordSerde.write(record, out);
    }

    @Override
    public Message read(ByteBuf in) {
        return MetadataRecordSerde.read(in);
    }
}
