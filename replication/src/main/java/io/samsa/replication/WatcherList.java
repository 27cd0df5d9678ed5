package io.samsa.replication;

import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The watchers of one partition. Lock-free: watchers are added from connection event loops and notified from
 * the partition's shard or the flusher. Completed watchers are removed when notified and swept when the list
 * grows past a bound, so a partition that never changes does not keep expired fetches alive.
 */
final class WatcherList {
    private static final int SWEEP_THRESHOLD = 64;

    private final ConcurrentLinkedQueue<PartitionWatcher> watchers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger approxSize = new AtomicInteger();

    void add(PartitionWatcher w) {
        watchers.add(w);
        if (approxSize.incrementAndGet() > SWEEP_THRESHOLD) {
            sweep();
        }
    }

    /** Tells every live watcher; drops the finished ones. */
    void notifyAll0() {
        if (watchers.isEmpty()) {
            return;
        }
        Iterator<PartitionWatcher> it = watchers.iterator();
        while (it.hasNext()) {
            PartitionWatcher w = it.next();
            if (w.isDone()) {
                if (watchers.remove(w)) {
                    approxSize.decrementAndGet();
                }
            } else {
                w.onPartitionChange();
            }
        }
    }

    private void sweep() {
        int live = 0;
        for (PartitionWatcher w : watchers) {
            if (w.isDone()) {
                if (watchers.remove(w)) {
                    approxSize.decrementAndGet();
                }
            } else {
                live++;
            }
        }
        // Allow the list to double before the next sweep, so sweeps stay amortised O(1) per add.
        if (live > SWEEP_THRESHOLD / 2) {
            approxSize.set(live / 2);
        }
    }

    /** Abandons every live watcher (the broker is stopping) and forgets them all. */
    void abandonAll() {
        PartitionWatcher w;
        while ((w = watchers.poll()) != null) {
            approxSize.decrementAndGet();
            if (!w.isDone()) {
                w.abandon();
            }
        }
    }

    int size() {
        return watchers.size();
    }

    /** The watchers still waiting (not done). O(n). */
    int liveCount() {
        int live = 0;
        for (PartitionWatcher w : watchers) {
            if (!w.isDone()) {
                live++;
            }
        }
        return live;
    }
}
