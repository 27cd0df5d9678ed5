package io.samsa.replication;

import io.samsa.log.Log;
import io.samsa.log.LogConfig;
import io.samsa.log.LogManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application of one {@link HostingChange}, in steps that alternate between the hosting executor (file I/O) and
 * the partitions' shards (their state):
 *
 * <ol>
 *   <li>hosting: stop publishing the deleted topics; shards: mark their partitions deleted (no append can follow);
 *   <li>hosting: delete their logs, hosted here or not (before a topic of the same name can be created again);
 *       flusher: force what durable-mode logs about to be hosted hold above their recovery point (recovered after
 *       an unclean stop);
 *   <li>hosting: create the logs and partitions of newly hosted ones (a log on disk is claimed for the topic's id:
 *       one claimed for another id, a deleted topic's, is deleted and replaced) and publish them; shards: apply
 *       leadership, ISR, {@code min.insync.replicas} and log config changes to the partitions hosted before;
 *   <li>hosting: after the first whole-image change, set orphan logs aside (delete those of another topic id); complete
 *       the change's future, start the next change.
 * </ol>
 *
 * A failure of one partition is logged and collected and does not stop the others; the future then fails with the
 * first. Not thread-safe: each step runs on one thread, and the steps are ordered by the gathers.
 */
final class HostingRun {
    private static final Logger log = LoggerFactory.getLogger(HostingRun.class);

    private final ReplicaManager rm;
    private final HostingChange change;
    final CompletableFuture<Void> done;
    private final String prefix;
    private final List<Throwable> errors = new ArrayList<>();

    HostingRun(ReplicaManager rm, HostingChange change, CompletableFuture<Void> done) {
        this.rm = rm;
        this.change = change;
        this.done = done;
        this.prefix = rm.logPrefix();
    }

    /** Hosting executor. */
    void start() {
        List<Step> stopping = new ArrayList<>();
        for (HostingChange.Deleted d : change.deleted()) {
            for (Partition p : rm.unpublish(d.name(), d.id())) {
                if (p != null) {
                    stopping.add(new Step(p, p::markDeleted));
                }
            }
        }
        onShards(stopping, () -> {
            deleteLogs();
            forceRecoveredLogs();
        });
    }

    /**
     * Deletes every log of the deleted topics: those of the partitions just stopped, and those of partitions this
     * broker keeps a log of without hosting them (reassigned away, or led and replicated elsewhere), which would
     * otherwise stay on disk and be taken over by a new topic of the same name.
     */
    private void deleteLogs() {
        if (change.deleted().isEmpty()) {
            return;
        }
        Set<String> deleted = new HashSet<>();
        for (HostingChange.Deleted d : change.deleted()) {
            deleted.add(d.name());
        }
        for (Log l : rm.logs().logs()) {
            String n = l.name();
            int dash = n.lastIndexOf('-');
            if (!deleted.contains(n.substring(0, dash))) {
                continue;
            }
            try {
                rm.logs().delete(n.substring(0, dash), Integer.parseInt(n.substring(dash + 1)));
                log.info("{}Deleted the log of {}", prefix, n);
            } catch (IOException | RuntimeException e) {
                fail("delete the log of " + n, e);
            }
        }
    }

    /**
     * Before a durable-mode partition ({@code flush.messages=1}) is created on a log that holds bytes above its
     * recovery point, forces them: after an unclean stop recovery keeps what it finds, and when only the process died
     * that may be in the page cache alone. The partition then starts with its high watermark at a log end that is on
     * disk, so no consumer reads, and no later high watermark falls below, what a power loss could take back. The
     * forces run on the log's flusher (many logs at once); the change goes on once all are done.
     */
    private void forceRecoveredLogs() {
        List<CompletableFuture<Void>> forces = new ArrayList<>();
        for (HostingChange.Topic t : change.topics()) {
            if (t.logConfig().flushMessages() != 1) {
                continue;
            }
            Partition[] current = rm.partitionsOf(t.name());
            for (PartitionAssignment a : t.changedPartitions()) {
                int idx = a.partition();
                boolean hosted = idx >= 0 && idx < current.length && current[idx] != null
                        && current[idx].topicId().equals(t.id());
                Log l = hosted || !a.hostedBy(rm.nodeId()) ? null : rm.logs().get(t.name(), idx);
                if (l != null && l.recoveryPoint() < l.logEndOffset()
                        && (l.topicId() == null || l.topicId().equals(t.id()))) {
                    forces.add(l.flush());
                }
            }
        }
        if (forces.isEmpty()) {
            hostTopics();
            return;
        }
        // A failed force took its log offline; the partition is still created (its high watermark stays at the
        // durable end) and the error is the flusher's to report.
        CompletableFuture.allOf(forces.toArray(new CompletableFuture<?>[0]))
                .whenComplete((v, e) -> rm.hostingExecutor().execute(this::hostTopics));
    }

    private void hostTopics() {
        List<Step> updates = new ArrayList<>();
        for (HostingChange.Topic t : change.topics()) {
            try {
                hostTopic(t, updates);
            } catch (RuntimeException e) {
                fail("host topic " + t.name(), e);
            }
        }
        onShards(updates, this::finish);
    }

    private void hostTopic(HostingChange.Topic t, List<Step> updates) {
        int nodeId = rm.nodeId();
        LogConfig cfg = t.logConfig();
        int minIsr = t.minInsyncReplicas();
        Partition[] current = rm.partitionsOf(t.name());
        int size = Math.max(current.length, t.partitionCount());
        for (PartitionAssignment a : t.changedPartitions()) {
            size = Math.max(size, a.partition() + 1);
        }
        Partition[] next = Arrays.copyOf(current, size);
        PartitionState[] newStates = new PartitionState[size];
        boolean[] created = new boolean[size];
        for (PartitionAssignment a : t.changedPartitions()) {
            int idx = a.partition();
            if (idx < 0 || !a.hostedBy(nodeId)) {
                continue;
            }
            Partition p = next[idx];
            if (p != null && p.topicId().equals(t.id())) {
                newStates[idx] = a.state();
                continue;
            }
            try {
                Log l = claimLog(t, idx);
                Partition np = new Partition(t.name(), idx, t.id(), l, nodeId, a.state(), minIsr,
                        rm.shards().shardOf(t.name(), idx));
                np.leaderSettings(rm.clock(), rm.alterPartitionChannel(), rm.replicaLagTimeMaxMs(),
                        rm.isrEligibility());
                // The log cleaner swaps segments on the partition's shard and stays below its high watermark.
                l.attachWriter(np.shard(), np::highWatermark);
                next[idx] = np;
                created[idx] = true;
                if (!cfg.equals(l.config())) {
                    // A log loaded from disk at start-up got the config known then.
                    updates.add(new Step(np, () -> np.log().updateConfig(cfg)));
                }
                log.debug("{}Hosting {} (leader {} epoch {}, log end {})", prefix, np.name(), a.leader(),
                        a.leaderEpoch(), l.logEndOffset());
            } catch (RuntimeException e) {
                fail("host " + t.name() + "-" + idx, e);
            }
        }
        rm.publish(t.name(), t.id(), next);
        boolean configChanged = rm.logConfigChanged(t.name(), cfg);
        for (int i = 0; i < next.length; i++) {
            Partition p = next[i];
            if (p == null || created[i]) {
                continue;
            }
            PartitionState s = newStates[i];
            updates.add(new Step(p, () -> {
                p.update(s != null ? s : p.state(), minIsr);
                if (configChanged) {
                    p.log().updateConfig(cfg);
                }
            }));
        }
    }

    /**
     * The log of {@code t}'s partition {@code idx}, claimed for the topic's id: a log on disk recorded for another
     * id is a deleted topic's, left by a crash before its deletion reached the disk (or before this broker applied
     * it); it is deleted and the partition starts empty, as a new topic's must. A log with no id (new, or from before
     * ids were recorded) is claimed for this one.
     */
    private Log claimLog(HostingChange.Topic t, int idx) {
        Log l = rm.logs().getOrCreate(t.name(), idx, t.logConfig());
        try {
            if (l.topicId() != null && !l.topicId().equals(t.id())) {
                log.warn("{}Deleting the log of {}: it belongs to topic id {}, a deleted topic of that name, not {}",
                        prefix, l.name(), l.topicId(), t.id());
                rm.logs().delete(t.name(), idx);
                l = rm.logs().getOrCreate(t.name(), idx, t.logConfig());
            }
            if (l.topicId() == null) {
                l.recordTopicId(t.id());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot claim the log of " + l.name() + " for topic id " + t.id(), e);
        }
        return l;
    }

    private void finish() {
        if (change.wholeImage() && rm.takeOrphanCheck()) {
            deleteOrphanLogs();
        }
        if (errors.isEmpty()) {
            done.complete(null);
        } else {
            Throwable first = errors.get(0);
            for (int i = 1; i < errors.size(); i++) {
                first.addSuppressed(errors.get(i));
            }
            done.completeExceptionally(first);
        }
        rm.hostingApplied();
        rm.applyNext();
    }

    /**
     * Sets aside the logs on disk whose partition the whole image no longer has (as strays, kept for the operator:
     * see {@link LogManager#markStray}), and deletes those claimed for another topic id than the image's topic of
     * that name (a deleted topic's: the image names its successor).
     */
    private void deleteOrphanLogs() {
        Map<String, UUID> existing = new HashMap<>();
        for (HostingChange.Topic t : change.topics()) {
            for (PartitionAssignment a : t.changedPartitions()) {
                existing.put(LogManager.dirName(t.name(), a.partition()), t.id());
            }
        }
        for (Log l : rm.logs().logs()) {
            String n = l.name();
            UUID id = existing.get(n);
            if (id != null && (l.topicId() == null || l.topicId().equals(id))) {
                continue;
            }
            int dash = n.lastIndexOf('-');
            String topic = n.substring(0, dash);
            int partition = Integer.parseInt(n.substring(dash + 1));
            try {
                if (id == null) {
                    log.warn("{}Setting the log of {} aside as {}: the metadata has no such partition", prefix, n,
                            rm.logs().markStray(topic, partition));
                } else {
                    log.warn("{}Deleting the log of {}: it belongs to topic id {}, a deleted topic of that name, "
                            + "not {}", prefix, n, l.topicId(), id);
                    rm.logs().delete(topic, partition);
                }
            } catch (IOException | RuntimeException e) {
                fail("set aside or delete the orphan log " + n, e);
            }
        }
    }

    private void fail(String what, Throwable e) {
        log.error("{}Failed to {}", prefix, what, e);
        errors.add(e);
    }

    /** Runs {@code steps} on their shards, collects their failures, then {@code then} on the hosting executor. */
    private void onShards(List<Step> steps, Runnable then) {
        rm.shards().scatter(new ShardProxy.Gather(rm.hostingExecutor()) {
            @Override
            protected void gathered() {
                for (Step s : steps) {
                    if (s.error() != null) {
                        fail("apply a change to " + s.partition().name() + " on its shard", s.error());
                    }
                }
                then.run();
            }
        }, steps);
    }

    /** One partition's part of the change, on its shard. */
    private static final class Step extends ShardProxy.Part {
        private final Runnable action;

        Step(Partition partition, Runnable action) {
            super(partition);
            this.action = action;
        }

        @Override
        protected void runOnShard() {
            action.run();
        }
    }
}
