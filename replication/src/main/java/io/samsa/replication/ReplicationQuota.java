package io.samsa.replication;

import io.samsa.common.Clock;
import java.util.Map;
import java.util.Set;

/**
 * One side of Kafka's replication throttle: the leader's ({@code leader.replication.throttled.rate}: bytes per second
 * a leader sends to its throttled followers) or the follower's ({@code follower.replication.throttled.rate}: bytes per
 * second it fetches for its throttled partitions), and which of this broker's partitions it applies to (the topic
 * configs {@code leader/follower.replication.throttled.replicas} entries that name this broker, or {@code *}).
 *
 * <p>The rate is measured as Kafka measures it: bytes recorded in {@code windows} samples of {@code windowMs} each;
 * the rate is the bytes of the samples still in the window over the time they cover, counted as at least
 * {@code windows - 1} whole samples (so a burst right after a quiet time is not measured over a few milliseconds). The
 * quota is exceeded while that rate is above the bound. Only throttled partitions' bytes are recorded, and only
 * replicas out of the ISR are held back (the leader: followers out of its ISR; the follower: partitions not caught up
 * to the leader's high watermark), as Kafka does.
 *
 * <p>Thread-safe: the bound and the throttled partitions are replaced whole (metadata thread); the samples are
 * guarded by this object's lock (the fetch paths, briefly).
 */
public final class ReplicationQuota {
    /** No bound: Kafka's default rate ({@code Long.MAX_VALUE}). */
    public static final long UNBOUNDED = Long.MAX_VALUE;
    /** In a topic's throttled set: every partition of the topic ({@code *}). */
    public static final int ALL_PARTITIONS = -1;

    private final Clock clock;
    private final long windowMs;
    private final long[] sampleStart;
    private final long[] sampleBytes;
    private int current;
    private volatile long bytesPerSecond = UNBOUNDED;
    private volatile Map<String, Set<Integer>> throttled = Map.of();

    /**
     * @param windows  {@code replication.quota.window.num} (Kafka: 11)
     * @param windowMs {@code replication.quota.window.size.seconds} in ms (Kafka: 1 s)
     */
    public ReplicationQuota(Clock clock, int windows, long windowMs) {
        if (windows < 1 || windowMs < 1) {
            throw new IllegalArgumentException("windows and windowMs must be positive: " + windows + ", " + windowMs);
        }
        this.clock = clock;
        this.windowMs = windowMs;
        this.sampleStart = new long[windows];
        this.sampleBytes = new long[windows];
        long now = clock.milliseconds();
        for (int i = 0; i < windows; i++) {
            sampleStart[i] = Long.MIN_VALUE;
        }
        sampleStart[0] = now;
    }

    /** An unbounded quota on the system clock with Kafka's default windows (nothing throttled). */
    public static ReplicationQuota unbounded() {
        return new ReplicationQuota(Clock.SYSTEM, 11, 1000);
    }

    /** Sets the bound in bytes per second ({@link #UNBOUNDED}: none). Any thread. */
    public void setRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public long rateBound() {
        return bytesPerSecond;
    }

    /**
     * Replaces the throttled partitions: topic name to partition indexes ({@link #ALL_PARTITIONS} for every one).
     * Any thread.
     */
    public void setThrottled(Map<String, Set<Integer>> partitionsByTopic) {
        this.throttled = Map.copyOf(partitionsByTopic);
    }

    /** True when the throttle applies to {@code topic}-{@code partition} on this broker. Any thread, lock-free. */
    public boolean isThrottled(String topic, int partition) {
        Map<String, Set<Integer>> t = throttled;
        if (t.isEmpty()) {
            return false;
        }
        Set<Integer> ps = t.get(topic);
        return ps != null && (ps.contains(ALL_PARTITIONS) || ps.contains(partition));
    }

    /** True while the measured rate is above the bound. Any thread. */
    public boolean isQuotaExceeded() {
        long bound = bytesPerSecond;
        return bound != UNBOUNDED && rate() > bound;
    }

    /** Counts {@code bytes} replicated for throttled partitions now. Any thread. */
    public synchronized void record(long bytes) {
        if (bytes <= 0) {
            return;
        }
        long now = clock.milliseconds();
        roll(now);
        sampleBytes[current] += bytes;
    }

    /** The measured rate in bytes per second. Any thread. */
    public synchronized double rate() {
        long now = clock.milliseconds();
        roll(now);
        long total = 0;
        long oldest = now;
        for (int i = 0; i < sampleStart.length; i++) {
            if (sampleStart[i] != Long.MIN_VALUE) {
                total += sampleBytes[i];
                oldest = Math.min(oldest, sampleStart[i]);
            }
        }
        long elapsed = Math.max(now - oldest, (sampleStart.length - 1) * windowMs);
        return elapsed <= 0 ? 0 : total * 1000.0 / elapsed;
    }

    /** Starts a new sample when the current one is {@code windowMs} old; drops samples older than the window. */
    private void roll(long now) {
        if (now - sampleStart[current] >= windowMs) {
            current = (current + 1) % sampleStart.length;
            sampleStart[current] = now;
            sampleBytes[current] = 0;
        }
        long horizon = now - (long) sampleStart.length * windowMs;
        for (int i = 0; i < sampleStart.length; i++) {
            if (i != current && sampleStart[i] != Long.MIN_VALUE && sampleStart[i] <= horizon) {
                sampleStart[i] = Long.MIN_VALUE;
                sampleBytes[i] = 0;
            }
        }
    }
}
