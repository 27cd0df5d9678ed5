package io.samsa.server.security.quota;

/**
 * The controller mutation rate's measure (KIP-599): a bucket of {@code quota * windows * windowSeconds} tokens that
 * refills at {@code quota} tokens per second; each partition created or deleted takes one. A request is refused while
 * the bucket is in debt, and the throttle time is how long the debt takes to refill: {@code -tokens / quota}.
 * A request that is accepted may take the bucket below zero (the whole request is admitted).
 *
 * <p>Thread-safe (synchronized). Times in milliseconds.
 */
public final class TokenBucket {
    private final double burstSeconds;
    private double tokens = Double.NaN;
    private long lastMs;

    public TokenBucket(int windows, long windowMs) {
        this.burstSeconds = windows * windowMs / 1000.0;
    }

    /** Takes {@code value} tokens at {@code nowMs} under {@code quota} tokens per second. */
    public synchronized void record(double value, double quota, long nowMs) {
        refill(quota, nowMs);
        tokens -= value;
    }

    /** How long (ms) until the bucket is out of debt under {@code quota}; 0 when it is not in debt. */
    public synchronized long throttleMs(double quota, long nowMs) {
        refill(quota, nowMs);
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / quota * 1000);
    }

    private void refill(double quota, long nowMs) {
        double burst = quota * burstSeconds;
        if (Double.isNaN(tokens)) {
            tokens = burst;
        } else {
            tokens = Math.min(burst, tokens + quota * Math.max(0, nowMs - lastMs) / 1000.0);
        }
        lastMs = nowMs;
    }
}
