package io.samsa.server.handler.data;

import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.Message;

/**
 * Empties a consumer's Fetch response that its {@code consumer_byte_rate} throttles, as Kafka answers a throttled
 * fetch: no partitions (their records released), the session and error as they were; the client fetches the same
 * offsets again once the throttle time has passed. Called on the connection's event loop before the response is
 * encoded.
 */
public final class FetchThrottle {
    private FetchThrottle() {
    }

    /** Drops the partitions and records of {@code response} (a Fetch response); takes ownership of its records. */
    public static void dropRecords(Message response) {
        if (response instanceof FetchResponseWithFiles withFiles) {
            withFiles.dropRecords();
        } else if (response instanceof FetchResponse plain) {
            // Without files a response holds no records that need releasing (empty buffers only).
            plain.responses().clear();
        }
    }
}
