package io.samsa.server.metrics;

import io.samsa.common.Clock;
import io.samsa.log.CleanerStats;

import java.nio.file.Path;
import java.util.Map;

/**
 * The log cleaner's gauges, read from {@link CleanerStats} when a JMX client asks: under Kafka's names
 * ({@code kafka.log:type=LogCleaner} and {@code kafka.log:type=LogCleanerManager}) those the counters answer as Kafka
 * means them (docs/compaction.md lists the ones left out), and Samsa's running totals, which Kafka has no gauge for,
 * under {@code io.samsa.log:type=LogCleaner}. Stateless.
 */
public final class CleanerMetrics {
    public static final String DOMAIN = "kafka.log";
    public static final String CLEANER = "LogCleaner";
    public static final String MANAGER = "LogCleanerManager";
    public static final String SAMSA_DOMAIN = "io.samsa.log";

    private CleanerMetrics() {
    }

    /** Registers the gauges of the cleaner of {@code dataDir}, whose counters are {@code stats}. */
    public static void register(JmxMetrics metrics, CleanerStats stats, Path dataDir, Clock clock) {
        metrics.gauge(DOMAIN, CLEANER, "max-buffer-utilization-percent", Map.of(),
                () -> (int) stats.snapshot().maxBufferUtilizationPercent());
        metrics.gauge(DOMAIN, CLEANER, "max-clean-time-secs", Map.of(),
                () -> (int) (stats.snapshot().maxLastPassMs() / 1000));
        metrics.gauge(DOMAIN, MANAGER, "max-dirty-percent", Map.of(),
                () -> (int) (100 * stats.snapshot().maxDirtyRatio()));
        metrics.gauge(DOMAIN, MANAGER, "time-since-last-run-ms", Map.of(), () -> {
            long at = stats.snapshot().lastCheckAt();
            return at < 0 ? 0L : Math.max(0L, clock.milliseconds() - at);
        });
        metrics.gauge(DOMAIN, MANAGER, "uncleanable-partitions-count",
                Map.of("logDirectory", dataDir.toAbsolutePath().toString()),
                () -> stats.snapshot().uncleanableLogs());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "passes-total", Map.of(), () -> stats.snapshot().passes());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "aborted-passes-total", Map.of(),
                () -> stats.snapshot().abortedPasses());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "bytes-read-total", Map.of(), () -> stats.snapshot().bytesRead());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "bytes-written-total", Map.of(),
                () -> stats.snapshot().bytesWritten());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "records-removed-total", Map.of(),
                () -> stats.snapshot().recordsRemoved());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "clean-time-ms-total", Map.of(), () -> stats.snapshot().cleaningMs());
        metrics.gauge(SAMSA_DOMAIN, CLEANER, "max-dirty-ratio", Map.of(), () -> stats.snapshot().maxDirtyRatio());
    }
}
