package io.samsa.log;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cleaner's counters, for the server to publish as metrics (Kafka's {@code kafka.log:type=LogCleaner} and
 * {@code LogCleanerManager} metrics answer the same questions): passes, bytes read and written, records removed, time
 * spent, and each compacted log's cleanable (dirty) ratio as last measured.
 *
 * <p>Thread-safe: the cleaner's threads update it (the mutators are for {@code io.samsa.log.cleaner} only), anyone
 * reads {@link #snapshot()}; {@link LogManager#cleanerStats()} hands it out.
 */
public final class CleanerStats {
    private final AtomicLong passes = new AtomicLong();
    private final AtomicLong abortedPasses = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong recordsRemoved = new AtomicLong();
    private final AtomicLong cleaningMs = new AtomicLong();
    private final AtomicLong lastPassMs = new AtomicLong();
    private final AtomicLong lastPassEndedAt = new AtomicLong(-1);
    private final AtomicLong lastBufferUtilizationPercent = new AtomicLong();
    private final AtomicLong lastCheckAt = new AtomicLong(-1);
    /** Each worker's last completed pass: {duration ms, offset map utilization percent}. */
    private final Map<Integer, long[]> lastPassByWorker = new ConcurrentHashMap<>();
    private final Map<String, Double> dirtyRatios = new ConcurrentHashMap<>();
    private final Map<String, Boolean> uncleanable = new ConcurrentHashMap<>();

    /**
     * The counters now.
     *
     * @param passes                   cleaning passes completed
     * @param abortedPasses            passes given up (the log changed under them, or an error)
     * @param bytesRead                bytes read, offset maps and rewrites together
     * @param bytesWritten             bytes written into cleaned segments
     * @param recordsRead              records read while rewriting
     * @param recordsRemoved           records the rewrites dropped
     * @param cleaningMs               time spent in completed passes
     * @param lastPassMs               duration of the last completed pass
     * @param lastPassEndedAt          when it ended (clock ms), -1 before the first
     * @param maxDirtyRatio            the largest cleanable ratio of a compacted log at the last look (0..1)
     * @param bufferUtilizationPercent how full the last pass's offset map got
     * @param dirtyRatios              each compacted log's cleanable ratio at the last look
     * @param uncleanableLogs          logs the cleaner gave up on until restart (corrupt data)
     * @param maxLastPassMs            the longest of the workers' last passes (each worker's most recent)
     * @param maxBufferUtilizationPercent the fullest offset map of the workers' last passes
     * @param lastCheckAt              when the cleaner last looked for a log to clean (clock ms; its start before
     *                                 the first look), -1 before it started
     */
    public record Snapshot(long passes, long abortedPasses, long bytesRead, long bytesWritten, long recordsRead,
                           long recordsRemoved, long cleaningMs, long lastPassMs, long lastPassEndedAt,
                           double maxDirtyRatio, long bufferUtilizationPercent, Map<String, Double> dirtyRatios,
                           int uncleanableLogs, long maxLastPassMs, long maxBufferUtilizationPercent,
                           long lastCheckAt) {
    }

    public Snapshot snapshot() {
        Map<String, Double> ratios = new TreeMap<>(dirtyRatios);
        double max = 0;
        for (double r : ratios.values()) {
            max = Math.max(max, r);
        }
        long maxMs = 0;
        long maxUtilization = 0;
        for (long[] last : lastPassByWorker.values()) {
            maxMs = Math.max(maxMs, last[0]);
            maxUtilization = Math.max(maxUtilization, last[1]);
        }
        return new Snapshot(passes.get(), abortedPasses.get(), bytesRead.get(), bytesWritten.get(), recordsRead.get(),
                recordsRemoved.get(), cleaningMs.get(), lastPassMs.get(), lastPassEndedAt.get(), max,
                lastBufferUtilizationPercent.get(), ratios, uncleanable.size(), maxMs, maxUtilization,
                lastCheckAt.get());
    }

    /** The cleaner started, or looked for a log to clean, at {@code now} (the cleaner). */
    public void checked(long now) {
        lastCheckAt.set(now);
    }

    /** Worker {@code worker} completed a pass (the cleaner). */
    public void passDone(int worker, long read, long written, long records, long removed, long ms, long endedAt,
                         double utilization) {
        lastPassByWorker.put(worker, new long[] {ms, Math.round(utilization * 100)});
        passes.incrementAndGet();
        bytesRead.addAndGet(read);
        bytesWritten.addAndGet(written);
        recordsRead.addAndGet(records);
        recordsRemoved.addAndGet(removed);
        cleaningMs.addAndGet(ms);
        lastPassMs.set(ms);
        lastPassEndedAt.set(endedAt);
        lastBufferUtilizationPercent.set(Math.round(utilization * 100));
    }

    /** A pass was given up (the cleaner). */
    public void passAborted() {
        abortedPasses.incrementAndGet();
    }

    /** A log's dirty ratio as just measured (the cleaner). */
    public void dirtyRatio(String log, double ratio) {
        dirtyRatios.put(log, ratio);
    }

    /** A log is no longer compacted or gone (the cleaner). */
    public void forget(String log) {
        dirtyRatios.remove(log);
    }

    /** A log was deleted (the cleaner): it is neither measured nor uncleanable any more. */
    public void deleted(String log) {
        dirtyRatios.remove(log);
        uncleanable.remove(log);
    }

    /** A log the cleaner gave up on until restart (the cleaner). */
    public void uncleanable(String log) {
        uncleanable.put(log, Boolean.TRUE);
    }
}
