package io.samsa.log;

import java.util.concurrent.CompletableFuture;

/**
 * The outcome of one append: the offsets given to its batches, the log append time (-1 for CreateTime
 * topics), the log start offset, the largest timestamp and the base offset of its batch, whether the append
 * was a retried duplicate (then nothing was written and the offsets are the original ones), and a future
 * completed once the bytes are on disk ({@code flush.messages} reached) or at once when the topic does not
 * ask for an fsync. The future completes on one of the flusher's threads; do not block a shard on it.
 */
public record AppendResult(long firstOffset, long lastOffset, long logAppendTime, long logStartOffset,
                           long maxTimestamp, long offsetOfMaxTimestamp, boolean duplicate,
                           CompletableFuture<Void> durable) {

    static AppendResult empty(long logStartOffset) {
        return new AppendResult(-1, -1, -1, logStartOffset, -1, -1, false, CompletableFuture.completedFuture(null));
    }
}
