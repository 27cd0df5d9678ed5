package io.samsa.testkit.blocking;

import java.util.List;

/**
 * The methods inside which an event loop may block: each one a decision, with its reason. See
 * docs/architecture-gates.md. BlockHound allows blocking calls anywhere inside an allowed method (and the methods it
 * calls), so each entry is one method, as narrow as the blocking call allows.
 */
final class BlockingAllowances {

    /** An allowance: blocking calls inside {@code className.method} are not reported. */
    record Allowance(String className, String method, String reason) {
    }

    static final List<Allowance> ALL = List.of(
            // A known exception (docs/architecture-gates.md): rolling a segment opens the new segment's log and
            // index files, trims the old segment's index and writes a producer snapshot, on the partition's
            // writer thread (its shard), from an append or from retention. Moving it off the loop means preparing
            // the next segment ahead of time on another thread.
            new Allowance("io.samsa.log.Log", "roll",
                    "a segment roll opens files on the shard (known exception)"),
            // A known exception (docs/architecture-gates.md): a cold segment (rolled since, or not read since start-up,
            // or evicted from the handle cache) opens its log and index files on its first read, which a fetch does
            // on a shard. Compacted topics made it common: consumers and Kafka Streams read them from the beginning.
            // The cleaner pre-opens the segments it swaps in; moving the open off the loop means a fetch that waits
            // for another thread to open the handles.
            new Allowance("io.samsa.log.segment.LogSegment", "openColdHandles",
                    "a cold segment's first read opens its files, possibly on a shard (known exception)"),
            // A segment's offset and time indexes grow by doubling their file and mapping (a few times per segment,
            // the last at a few MB of appends): the remap runs on the shard that appends. Found by ClientQuotasIT,
            // which appends more than 10 MB to one partition; mapping the index at its maximum size at the roll
            // would remove it.
            new Allowance("io.samsa.log.index.AbstractIndex", "bufferFor",
                    "a growing segment index remaps its file on the shard (a few times per segment)"),
            // An abort marker appends its entry to the segment's transaction index on the shard: open, write, close
            // (aborts are rare; reads of the index are served from memory). A kept-open channel per segment, opened
            // at the roll, would remove it.
            new Allowance("io.samsa.log.index.TransactionIndex", "append",
                    "an abort marker appends to the segment's transaction index on the shard"),
            // Handing a task to another thread through a JDK queue takes the queue's lock for the enqueue only
            // (contended for microseconds when the consumer thread holds it); the work runs on the other thread.
            // Reactor's own BlockHound integration allows the same. The event loops hand work this way to the
            // flusher, the controller, the group coordinator, the background thread and common's ThreadExecutor.
            // A lock-free MPSC hand-off (STYLE.md) would make these two unnecessary.
            new Allowance("java.util.concurrent.LinkedBlockingQueue", "offer",
                    "enqueueing to an executor or a worker thread (the lock is held for the enqueue only)"),
            new Allowance("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "offer",
                    "enqueueing to a scheduled executor (the lock is held for the enqueue only)")
    );

    private BlockingAllowances() {
    }
}
