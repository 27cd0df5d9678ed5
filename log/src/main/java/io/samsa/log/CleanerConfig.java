package io.samsa.log;

/**
 * The broker-wide settings of the log cleaner, with Kafka's names and defaults ({@code log.cleaner.*}). Per-topic
 * settings (policy, dirty ratio, lags, tombstone retention) live in {@link LogConfig}. The cleaner itself is
 * {@code io.samsa.log.cleaner.LogCleaner}, which {@link LogManager} runs.
 *
 * @param enabled               {@code log.cleaner.enable}: run the cleaner at all
 * @param threads               {@code log.cleaner.threads}: logs cleaned at once, one thread each
 * @param dedupeBufferBytes     {@code log.cleaner.dedupe.buffer.size}: memory of all offset maps together (24 bytes
 *                              per key: its 128-bit hash and its offset); split between the threads
 * @param ioBufferBytes         {@code log.cleaner.io.buffer.size}: the read and write buffers of each thread together
 * @param loadFactor            {@code log.cleaner.io.buffer.load.factor}: how full an offset map may get
 * @param maxIoBytesPerSecond   {@code log.cleaner.io.max.bytes.per.second}: read plus written bytes of all threads
 * @param backoffMs             {@code log.cleaner.backoff.ms}: the pause when no log needs cleaning
 */
public record CleanerConfig(boolean enabled, int threads, long dedupeBufferBytes, int ioBufferBytes, double loadFactor,
                            double maxIoBytesPerSecond, long backoffMs) {
    /** Bytes an offset map spends per key: its 16-byte hash and its 8-byte offset. */
    public static final int BYTES_PER_KEY = 24;
    /** The most slots one offset map holds (a {@code long[]} of three longs per slot). */
    public static final int MAX_SLOTS = (Integer.MAX_VALUE - 8) / 3;

    /** Kafka's defaults. */
    public static final CleanerConfig DEFAULTS = new CleanerConfig(true, 1, 128L * 1024 * 1024, 512 * 1024, 0.9,
            Double.MAX_VALUE, 15_000);
    /** No cleaner: compacted logs grow until the policy changes. */
    public static final CleanerConfig DISABLED = new CleanerConfig(false, 1, 128L * 1024 * 1024, 512 * 1024, 0.9,
            Double.MAX_VALUE, 15_000);

    public CleanerConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("log.cleaner.threads must be at least 1, not " + threads);
        }
        if (dedupeBufferBytes / threads < BYTES_PER_KEY * 2L) {
            throw new IllegalArgumentException("log.cleaner.dedupe.buffer.size " + dedupeBufferBytes
                    + " leaves too little for " + threads + " threads");
        }
        if (ioBufferBytes < 2 * 1024) {
            throw new IllegalArgumentException("log.cleaner.io.buffer.size must be at least 2048, not " + ioBufferBytes);
        }
        if (!(loadFactor > 0 && loadFactor <= 0.95)) {
            throw new IllegalArgumentException("log.cleaner.io.buffer.load.factor must be in (0, 0.95], not "
                    + loadFactor);
        }
        if (!(maxIoBytesPerSecond > 0)) {
            throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second must be positive, not "
                    + maxIoBytesPerSecond);
        }
        if (backoffMs < 0) {
            throw new IllegalArgumentException("log.cleaner.backoff.ms must not be negative, not " + backoffMs);
        }
    }

    /** The keys one thread's offset map may hold at most: its share of the buffer, at the load factor. */
    public int maxKeysPerThread() {
        long slots = Math.min(dedupeBufferBytes / threads / BYTES_PER_KEY, MAX_SLOTS);
        return (int) Math.max(1, (long) (slots * loadFactor));
    }

    public CleanerConfig withThreads(int n) {
        return new CleanerConfig(enabled, n, dedupeBufferBytes, ioBufferBytes, loadFactor, maxIoBytesPerSecond,
                backoffMs);
    }

    public CleanerConfig withDedupeBufferBytes(long bytes) {
        return new CleanerConfig(enabled, threads, bytes, ioBufferBytes, loadFactor, maxIoBytesPerSecond, backoffMs);
    }

    public CleanerConfig withIoBufferBytes(int bytes) {
        return new CleanerConfig(enabled, threads, dedupeBufferBytes, bytes, loadFactor, maxIoBytesPerSecond,
                backoffMs);
    }

    public CleanerConfig withMaxIoBytesPerSecond(double rate) {
        return new CleanerConfig(enabled, threads, dedupeBufferBytes, ioBufferBytes, loadFactor, rate, backoffMs);
    }

    public CleanerConfig withBackoffMs(long ms) {
        return new CleanerConfig(enabled, threads, dedupeBufferBytes, ioBufferBytes, loadFactor, maxIoBytesPerSecond,
                ms);
    }
}
