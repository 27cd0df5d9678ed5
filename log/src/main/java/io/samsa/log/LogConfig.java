package io.samsa.log;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.record.CompressionType;

import java.util.Map;
import java.util.Objects;

/**
 * The per-topic settings one {@link Log} obeys: an immutable value built from a map of topic configs that
 * uses Kafka's names ({@code segment.bytes}, {@code retention.ms}, ...), with Kafka's defaults for every
 * key that is absent. Unknown keys are ignored (they belong to other modules, e.g. {@code min.insync.replicas}).
 *
 * <p>Immutable and thread-safe. A config change builds a new value and hands it to {@link Log#updateConfig}.
 */
public final class LogConfig {
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String COMPRESSION_GZIP_LEVEL = "compression.gzip.level";
    public static final String COMPRESSION_LZ4_LEVEL = "compression.lz4.level";
    public static final String COMPRESSION_ZSTD_LEVEL = "compression.zstd.level";

    /** Kafka's defaults. */
    public static final LogConfig DEFAULTS = new LogConfig(Map.of());

    private final int segmentBytes;
    private final long segmentMs;
    private final long segmentJitterMs;
    private final int segmentIndexBytes;
    private final int indexIntervalBytes;
    private final long retentionMs;
    private final long retentionBytes;
    private final long flushMessages;
    private final long flushMs;
    private final int maxMessageBytes;
    private final boolean logAppendTime;
    private final long timestampBeforeMaxMs;
    private final long timestampAfterMaxMs;
    private final long producerIdExpirationMs;
    private final long fileDeleteDelayMs;
    private final boolean compact;
    private final boolean delete;
    private final double minCleanableDirtyRatio;
    private final long minCompactionLagMs;
    private final long maxCompactionLagMs;
    private final long deleteRetentionMs;
    /** The codec batches are stored with; null for {@code producer} (as sent). */
    private final CompressionType compression;
    /** The level {@link #compression} compresses at (KIP-390), its codec's default when not set. */
    private final int compressionLevel;

    private LogConfig(Map<String, String> props) {
        segmentBytes = (int) longValue(props, SEGMENT_BYTES, 1024L * 1024 * 1024, 14, Integer.MAX_VALUE);
        segmentMs = longValue(props, SEGMENT_MS, 7L * 24 * 60 * 60 * 1000, 1, Long.MAX_VALUE);
        segmentJitterMs = longValue(props, SEGMENT_JITTER_MS, 0, 0, Long.MAX_VALUE);
        segmentIndexBytes = (int) longValue(props, SEGMENT_INDEX_BYTES, 10 * 1024 * 1024, 4, Integer.MAX_VALUE);
        indexIntervalBytes = (int) longValue(props, INDEX_INTERVAL_BYTES, 4096, 0, Integer.MAX_VALUE);
        retentionMs = longValue(props, RETENTION_MS, 7L * 24 * 60 * 60 * 1000, -1, Long.MAX_VALUE);
        retentionBytes = longValue(props, RETENTION_BYTES, -1, -1, Long.MAX_VALUE);
        flushMessages = longValue(props, FLUSH_MESSAGES, Long.MAX_VALUE, 1, Long.MAX_VALUE);
        flushMs = longValue(props, FLUSH_MS, Long.MAX_VALUE, 0, Long.MAX_VALUE);
        maxMessageBytes = (int) longValue(props, MAX_MESSAGE_BYTES, 1024 * 1024 + 12, 0, Integer.MAX_VALUE);
        String type = props.getOrDefault(MESSAGE_TIMESTAMP_TYPE, "CreateTime");
        if (!"CreateTime".equals(type) && !"LogAppendTime".equals(type)) {
            throw invalid(MESSAGE_TIMESTAMP_TYPE, type);
        }
        logAppendTime = "LogAppendTime".equals(type);
        timestampBeforeMaxMs = longValue(props, MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.MAX_VALUE, 0, Long.MAX_VALUE);
        // Kafka 4.0 lowered the default for future timestamps to one hour.
        timestampAfterMaxMs = longValue(props, MESSAGE_TIMESTAMP_AFTER_MAX_MS, 60L * 60 * 1000, 0, Long.MAX_VALUE);
        producerIdExpirationMs = longValue(props, PRODUCER_ID_EXPIRATION_MS, 24L * 60 * 60 * 1000, 1, Long.MAX_VALUE);
        fileDeleteDelayMs = longValue(props, FILE_DELETE_DELAY_MS, 60_000, 0, Long.MAX_VALUE);
        String policy = props.getOrDefault(CLEANUP_POLICY, "delete");
        boolean c = false;
        boolean d = false;
        for (String item : policy.replace("[", "").replace("]", "").split(",")) {
            String p = item.trim();
            if ("compact".equals(p)) {
                c = true;
            } else if ("delete".equals(p)) {
                d = true;
            } else {
                throw invalid(CLEANUP_POLICY, policy);
            }
        }
        compact = c;
        delete = d;
        minCleanableDirtyRatio = doubleValue(props, MIN_CLEANABLE_DIRTY_RATIO, 0.5);
        minCompactionLagMs = longValue(props, MIN_COMPACTION_LAG_MS, 0, 0, Long.MAX_VALUE);
        maxCompactionLagMs = longValue(props, MAX_COMPACTION_LAG_MS, Long.MAX_VALUE, 1, Long.MAX_VALUE);
        deleteRetentionMs = longValue(props, DELETE_RETENTION_MS, 24L * 60 * 60 * 1000, 0, Long.MAX_VALUE);
        compression = compressionValue(props.getOrDefault(COMPRESSION_TYPE, "producer"));
        // Every level is checked, whichever codec is in use, as Kafka validates each config on its own.
        int gzip = levelValue(props, COMPRESSION_GZIP_LEVEL, CompressionType.GZIP);
        int lz4 = levelValue(props, COMPRESSION_LZ4_LEVEL, CompressionType.LZ4);
        int zstd = levelValue(props, COMPRESSION_ZSTD_LEVEL, CompressionType.ZSTD);
        compressionLevel = compression == null ? 0 : switch (compression) {
            case GZIP -> gzip;
            case LZ4 -> lz4;
            case ZSTD -> zstd;
            default -> compression.defaultLevel();
        };
    }

    private static int levelValue(Map<String, String> props, String key, CompressionType type) {
        int level = (int) longValue(props, key, type.defaultLevel(), Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (!type.isValidLevel(level)) {
            throw invalid(key, props.get(key));
        }
        return level;
    }

    private static CompressionType compressionValue(String name) {
        return switch (name.trim()) {
            case "producer" -> null;
            case "uncompressed" -> CompressionType.NONE;
            case "gzip" -> CompressionType.GZIP;
            case "snappy" -> CompressionType.SNAPPY;
            case "lz4" -> CompressionType.LZ4;
            case "zstd" -> CompressionType.ZSTD;
            default -> throw invalid(COMPRESSION_TYPE, name);
        };
    }

    /**
     * Builds a config from topic configs with Kafka's names; absent keys take Kafka's defaults. Throws
     * {@link SamsaException} with {@link ErrorCode#INVALID_CONFIG} naming the key for a malformed value.
     */
    public static LogConfig fromMap(Map<String, String> props) {
        return new LogConfig(props);
    }

    private static long longValue(Map<String, String> props, String key, long dflt, long min, long max) {
        String s = props.get(key);
        if (s == null) {
            return dflt;
        }
        long v;
        try {
            v = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, s);
        }
        if (v < min || v > max) {
            throw invalid(key, s);
        }
        return v;
    }

    private static double doubleValue(Map<String, String> props, String key, double dflt) {
        String s = props.get(key);
        if (s == null) {
            return dflt;
        }
        double v;
        try {
            v = Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw invalid(key, s);
        }
        if (!(v >= 0 && v <= 1)) {
            throw invalid(key, s);
        }
        return v;
    }

    private static SamsaException invalid(String key, String value) {
        return new SamsaException(ErrorCode.INVALID_CONFIG, "Invalid value " + value + " for configuration " + key);
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public long segmentJitterMs() {
        return segmentJitterMs;
    }

    public int segmentIndexBytes() {
        return segmentIndexBytes;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    /** -1 means keep forever. */
    public long retentionMs() {
        return retentionMs;
    }

    /** -1 means no size limit. */
    public long retentionBytes() {
        return retentionBytes;
    }

    public long flushMessages() {
        return flushMessages;
    }

    public long flushMs() {
        return flushMs;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** True for {@code message.timestamp.type=LogAppendTime}. */
    public boolean logAppendTime() {
        return logAppendTime;
    }

    public long timestampBeforeMaxMs() {
        return timestampBeforeMaxMs;
    }

    public long timestampAfterMaxMs() {
        return timestampAfterMaxMs;
    }

    public long producerIdExpirationMs() {
        return producerIdExpirationMs;
    }

    public long fileDeleteDelayMs() {
        return fileDeleteDelayMs;
    }

    /** {@code cleanup.policy} holds {@code compact}: the cleaner keeps the latest record of each key. */
    public boolean compact() {
        return compact;
    }

    /**
     * {@code cleanup.policy} holds {@code delete}: segments are deleted by {@code retention.ms} and
     * {@code retention.bytes}. Without it only segments below the log start offset are (DeleteRecords).
     */
    public boolean delete() {
        return delete;
    }

    /** The dirty share of a compacted log above which the cleaner takes it (0..1). */
    public double minCleanableDirtyRatio() {
        return minCleanableDirtyRatio;
    }

    /** How long a record stays out of the cleaner's reach after it was written (by its segment's timestamps). */
    public long minCompactionLagMs() {
        return minCompactionLagMs;
    }

    /**
     * How long a record may stay uncleaned: older dirty data makes the log cleanable whatever its dirty ratio, and the
     * active segment of a compacted log rolls after this long (KIP-354). {@code Long.MAX_VALUE}: no limit.
     */
    public long maxCompactionLagMs() {
        return maxCompactionLagMs;
    }

    /** How long tombstones and removable transaction markers stay after the cleaner first saw them (KIP-534). */
    public long deleteRetentionMs() {
        return deleteRetentionMs;
    }

    /**
     * The codec a leader stores client batches with ({@code compression.type}): a batch sent with another codec is
     * recompressed, as Kafka does; null for {@code producer}, which keeps every batch as sent.
     */
    public CompressionType compression() {
        return compression;
    }

    /**
     * The level {@link #compression} compresses at: {@code compression.gzip.level}, {@code compression.lz4.level} or
     * {@code compression.zstd.level} (KIP-390) for that codec, its default when unset; meaningless for
     * {@code producer}, snappy and uncompressed.
     */
    public int compressionLevel() {
        return compressionLevel;
    }

    /**
     * The age at which the active segment rolls: {@code segment.ms}, or for a compacted log the smaller
     * {@code max.compaction.lag.ms}, so that the cleaner can reach the data within that lag (KIP-354).
     */
    public long effectiveSegmentMs() {
        return compact ? Math.min(segmentMs, maxCompactionLagMs) : segmentMs;
    }

    /** Equal when every setting is: a metadata change that leaves a topic's log settings alone is a no-op. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LogConfig c)) {
            return false;
        }
        return segmentBytes == c.segmentBytes && segmentMs == c.segmentMs && segmentJitterMs == c.segmentJitterMs
                && segmentIndexBytes == c.segmentIndexBytes && indexIntervalBytes == c.indexIntervalBytes
                && retentionMs == c.retentionMs && retentionBytes == c.retentionBytes
                && flushMessages == c.flushMessages && flushMs == c.flushMs && maxMessageBytes == c.maxMessageBytes
                && logAppendTime == c.logAppendTime && timestampBeforeMaxMs == c.timestampBeforeMaxMs
                && timestampAfterMaxMs == c.timestampAfterMaxMs && producerIdExpirationMs == c.producerIdExpirationMs
                && fileDeleteDelayMs == c.fileDeleteDelayMs && compact == c.compact && delete == c.delete
                && Double.compare(minCleanableDirtyRatio, c.minCleanableDirtyRatio) == 0
                && minCompactionLagMs == c.minCompactionLagMs && maxCompactionLagMs == c.maxCompactionLagMs
                && deleteRetentionMs == c.deleteRetentionMs && compression == c.compression
                && compressionLevel == c.compressionLevel;
    }

    @Override
    public int hashCode() {
        return Objects.hash(segmentBytes, segmentMs, segmentJitterMs, segmentIndexBytes, indexIntervalBytes,
                retentionMs, retentionBytes, flushMessages, flushMs, maxMessageBytes, logAppendTime,
                timestampBeforeMaxMs, timestampAfterMaxMs, producerIdExpirationMs, fileDeleteDelayMs, compact, delete,
                minCleanableDirtyRatio, minCompactionLagMs, maxCompactionLagMs, deleteRetentionMs, compression,
                compressionLevel);
    }

    @Override
    public String toString() {
        return "LogConfig(segment.bytes=" + segmentBytes + ", segment.ms=" + segmentMs + ", retention.ms=" + retentionMs
                + ", retention.bytes=" + retentionBytes + ", flush.messages=" + flushMessages + ", flush.ms=" + flushMs
                + ", max.message.bytes=" + maxMessageBytes + ", timestamp.type="
                + (logAppendTime ? "LogAppendTime" : "CreateTime") + ", cleanup.policy=" + policyName()
                + (compact ? ", min.cleanable.dirty.ratio=" + minCleanableDirtyRatio + ", min.compaction.lag.ms="
                + minCompactionLagMs + ", delete.retention.ms=" + deleteRetentionMs : "")
                + (compression != null ? ", compression.type=" + compression.configName() + ", level="
                + compressionLevel : "") + ")";
    }

    private String policyName() {
        return compact && delete ? "compact,delete" : compact ? "compact" : delete ? "delete" : "";
    }
}
