package io.samsa.server.cluster;

import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.RawTaggedField;
import java.nio.ByteBuffer;

/**
 * The metadata offset a controller's answer was committed at, carried from a Samsa controller to a Samsa broker in
 * a tagged field that Kafka does not define (KIP-482: a reader skips tags it does not know, so Kafka's clients and
 * tools are unaffected). A broker that forwarded a change answers its client once it has published that offset
 * (read-your-writes, as for a change made by its own controller). Only flexible message versions carry tagged
 * fields; the controller's responses to brokers are all flexible. Stateless.
 */
public final class CommitOffsets {
    /** The tag: far above Kafka's own (small) tag numbers. */
    public static final int TAG = 0x5A5A;

    private CommitOffsets() {
    }

    /** Adds {@code offset} to {@code message} (a flexible version must carry it). */
    public static <M extends Message> M set(M message, long offset) {
        message.unknownTaggedFields().removeIf(f -> f.tag() == TAG);
        message.unknownTaggedFields().add(new RawTaggedField(TAG, ByteBuffer.allocate(8).putLong(offset).array()));
        return message;
    }

    /** The offset {@code message} carries, or -1. */
    public static long get(Message message) {
        for (RawTaggedField f : message.unknownTaggedFields()) {
            if (f.tag() == TAG && f.data().length == 8) {
                return ByteBuffer.wrap(f.data()).getLong();
            }
        }
        return -1;
    }
}
