package io.samsa.replication;

import io.samsa.log.FileSlice;

/**
 * One partition's part of a fetch: the batches read (a {@link FileSlice} the receiver must release) and the
 * partition's offsets as they were when the read started: high watermark, last stable offset, log start
 * offset and log end offset.
 */
public record PartitionRead(FileSlice records, long highWatermark, long lastStableOffset, long logStartOffset,
                            long logEndOffset) {
}
