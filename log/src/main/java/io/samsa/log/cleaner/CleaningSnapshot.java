package io.samsa.log.cleaner;

import io.samsa.log.LogConfig;
import io.samsa.log.segment.LogSegment;

import java.util.List;
import java.util.Map;

/**
 * What a cleaning pass needs of its log, taken on the log's writer thread in one go ({@code Log.snapshotForCleaning}):
 * the inactive segments, the bounds the cleaner must stay below, and the last batch of each producer the log
 * remembers, which the cleaner keeps so that idempotent producers keep their sequence and epoch.
 *
 * @param segments          the inactive segments, ascending (the active one is never cleaned)
 * @param activeBase        the active segment's base offset
 * @param logStartOffset    the first readable offset
 * @param firstUnstable     the first offset of the oldest open transaction, or -1
 * @param highWatermark     the high watermark (everything below is replicated)
 * @param truncations       the log's truncation count: a truncation before the swap cancels it
 * @param producers         per producer id: {last data offset (-1: none remembered), producer epoch}
 * @param config            the log's settings at the time
 */
public record CleaningSnapshot(List<LogSegment> segments, long activeBase, long logStartOffset, long firstUnstable,
                               long highWatermark, long truncations, Map<Long, long[]> producers, LogConfig config) {
    public CleaningSnapshot {
        segments = List.copyOf(segments);
        producers = Map.copyOf(producers);
    }
}
