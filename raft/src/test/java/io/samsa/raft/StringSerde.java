package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.samsa.wire.DecodeException;

import java.nio.charset.StandardCharsets;

/** Records that are UTF-8 strings; "!" cannot be read back (a record the reader does not understand). */
final class StringSerde implements RecordSerde<String> {
    static final StringSerde INSTANCE = new StringSerde();

    @Override
    public int size(String record) {
        return record.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public void write(String record, ByteBuf out) {
        out.writeBytes(record.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String read(ByteBuf in) {
        String s = in.readCharSequence(in.readableBytes(), StandardCharsets.UTF_8).toString();
        if (s.equals("!")) {
            throw new DecodeException("unreadable record");
        }
        return s;
    }
}
