package io.samsa.server.config;

import io.samsa.log.CleanerConfig;

/**
 * The log cleaner's settings from the broker configuration ({@code log.cleaner.*}, Kafka's names and defaults).
 * {@code log.cleaner.threads=0} disables the cleaner as {@code log.cleaner.enable=false} does. Stateless.
 */
public final class CleanerSettings {
    private CleanerSettings() {
    }

    public static CleanerConfig from(BrokerConfig config) {
        int threads = config.getInt("log.cleaner.threads");
        boolean enabled = config.getBoolean("log.cleaner.enable") && threads > 0;
        double rate = ((Number) config.get("log.cleaner.io.max.bytes.per.second")).doubleValue();
        return new CleanerConfig(enabled, Math.max(1, threads),
                Math.max(config.getLong("log.cleaner.dedupe.buffer.size"), 48L * Math.max(1, threads)),
                Math.max(config.getInt("log.cleaner.io.buffer.size"), 2048),
                Math.min(0.95, Math.max(0.05, ((Number) config.get("log.cleaner.io.buffer.load.factor")).doubleValue())),
                rate > 0 ? rate : Double.MAX_VALUE, config.getLong("log.cleaner.backoff.ms"));
    }
}
