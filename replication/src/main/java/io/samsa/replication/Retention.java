package io.samsa.replication;

import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention task: every {@code log.retention.check.interval.ms} it runs each hosted partition's retention on
 * the partition's shard (the log's single writer): segments wholly below the high watermark that are past
 * {@code retention.ms}, beyond {@code retention.bytes} or below the log start offset are renamed there, and their
 * files deleted later on the log manager's scheduler thread, off the shards; expired producer ids are dropped. The
 * next run is armed once every shard has done this one (a fixed delay, so slow shards never pile runs up).
 *
 * <p>Threads: the timer and the gather run on the replica manager's hosting executor; the work on the shards.
 */
final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final ReplicaManager replicas;
    private final SerialExecutor timer;
    private final long intervalMs;
    private volatile Scheduler.Cancellable next;
    private volatile boolean stopped;

    Retention(ReplicaManager replicas, SerialExecutor timer, long intervalMs) {
        this.replicas = replicas;
        this.timer = timer;
        this.intervalMs = intervalMs;
    }

    void start() {
        timer.execute(this::arm);
    }

    void stop() {
        stopped = true;
        Scheduler.Cancellable c = next;
        if (c != null) {
            c.cancel();
        }
    }

    private void arm() {
        if (!stopped) {
            next = timer.schedule(this::run, intervalMs);
        }
    }

    /** On the timer: one pass over every hosted partition. */
    private void run() {
        if (stopped) {
            return;
        }
        List<Pass> passes = new ArrayList<>();
        for (Partition p : replicas.partitions()) {
            passes.add(new Pass(p));
        }
        replicas.shards().scatter(new ShardProxy.Gather(timer) {
            @Override
            protected void gathered() {
                for (Pass pass : passes) {
                    if (pass.error() != null) {
                        log.error("{}Retention failed for {}", replicas.logPrefix(), pass.partition().name(),
                                pass.error());
                    }
                }
                arm();
            }
        }, passes);
    }

    /** One partition's retention, on its shard. */
    private static final class Pass extends ShardProxy.Part {
        Pass(Partition partition) {
            super(partition);
        }

        @Override
        protected void runOnShard() {
            if (!partition.isDeleted() && !partition.log().isOffline()) {
                partition.log().deleteOldSegments(partition.highWatermark());
                partition.log().removeExpiredProducers();
            }
        }
    }
}
