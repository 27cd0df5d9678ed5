package io.samsa.wire.protocol;

/**
 * A response whose schema has a top-level {@code ThrottleTimeMs}: how long the broker throttled the client for a
 * quota, which a client that knows KIP-219 waits out before sending again. The generator makes every such response
 * implement it, so that the broker sets the field in one place for every API.
 */
public interface ThrottledResponse extends Message {
    int throttleTimeMs();

    ThrottledResponse setThrottleTimeMs(int v);

    /** Whether {@code version} of the response has the field (ProduceResponse v0 has not, for one). */
    boolean carriesThrottleTime(short version);
}
