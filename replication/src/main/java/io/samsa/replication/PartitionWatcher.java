package io.samsa.replication;

/**
 * Something waiting on a partition (a delayed fetch or an acks=all produce): told when the partition's high
 * watermark moves or its state changes. {@link #onPartitionChange} runs on whatever thread made the change (the
 * partition's shard or the flusher) and must only hand work off, never do it.
 */
public interface PartitionWatcher {

    /** The watched partition changed; re-check soon, on your own thread. Any thread; must not block. */
    void onPartitionChange();

    /** True once the watcher no longer needs notifications; the partition then drops it lazily. */
    boolean isDone();

    /**
     * The broker is stopping: finish now (as if timed out), so that nothing waiting holds its request's buffers
     * after the threads that would have completed it are gone. Any thread; must not block.
     */
    default void abandon() {
    }
}
