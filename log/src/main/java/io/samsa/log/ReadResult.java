package io.samsa.log;

/**
 * What {@link Log#read} returns: the batches (a {@link FileSlice} the caller must release) and the log's
 * start and end offsets at the time of the read.
 */
public record ReadResult(FileSlice records, long logStartOffset, long logEndOffset) {

    /** Releases the slice; see {@link FileSlice#release()}. */
    public void release() {
        records.release();
    }
}
