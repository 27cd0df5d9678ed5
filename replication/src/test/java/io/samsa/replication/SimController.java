package io.samsa.replication;

import io.samsa.testkit.SimExecutor;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The controller of {@link ClusterReplicationSimulationTest}: a model of what Kafka's controller (and Samsa's,
 * {@code controller/IsrControl}, {@code LeaderMoves}, {@code PartitionChange}) does to one topic's partitions, on its
 * own executor, committing each change to a metadata log that every broker applies in order at its own pace.
 *
 * <ul>
 *   <li>AlterPartition (KIP-497, KIP-903): STALE_BROKER_EPOCH for a request of a broker's earlier life;
 *       NOT_CONTROLLER for epochs ahead of its own; INVALID_REQUEST from a broker that does not lead;
 *       FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION for stale epochs; INVALID_REQUEST for an ISR without the
 *       leader, with a non-replica or a duplicate; INELIGIBLE_REPLICA for a fenced member or one named with another
 *       broker epoch than its registration's. Else the ISR is committed with a new partition epoch.</li>
 *   <li>A broker's session expires (no heartbeat: dead, or cut off from the controller, for the session timeout) or
 *       it registers again (a new process, a new broker epoch): it is fenced, leaves every ISR (even the last place
 *       of one: eligible leader replicas are on), and each partition it led gets a new leader from the ISR (the
 *       current one if still eligible, else the first eligible replica in assignment order), or none: unclean
 *       election is off. A new leader bumps the leader epoch; every change bumps the partition epoch.</li>
 *   <li>Eligible leader replicas (KIP-966), as {@code controller/PartitionChange} keeps them with
 *       {@code min.insync.replicas=2}: a change that leaves the ISR below 2 makes the replicas that were in the ISR
 *       or the ELR and are not in the new ISR the ELR, less a broker that registers again after an unclean
 *       shutdown (every registration after the first here: no controlled shutdown is modelled); an ISR of 2 or more
 *       empties it. With an empty ISR the first usable ELR member leads and is the ISR; with neither, the last
 *       known leader leads again when usable (Kafka 4.x's last-known-leader election).</li>
 *   <li>A fenced broker that heartbeats again once it has the metadata up to its registration is unfenced and
 *       elected where a partition has no leader and it is in the ISR, or eligible as above.</li>
 * </ul>
 *
 * <p>Not modelled: the Raft quorum behind it (the metadata log is committed at once), controlled shutdown,
 * reassignment, preferred leader election. Not thread-safe: its executor and the test's thread.
 */
final class SimController {
    private final ClusterReplicationSimulationTest.Run run;
    private final SimExecutor executor;
    private final long sessionTimeoutMs;
    private static final int MIN_ISR = 2;
    private final PartitionState[] parts;
    /** Per partition: the eligible leader replicas and the last known leader (KIP-966), the controller's only. */
    private final List<List<Integer>> elr = new ArrayList<>();
    private final List<List<Integer>> lastKnownElr = new ArrayList<>();
    private final List<HostingChange> log = new ArrayList<>();
    private final Map<Integer, Long> epochs = new HashMap<>();
    private final Map<Integer, Boolean> fenced = new HashMap<>();
    private final Map<Integer, Long> lastHeartbeat = new HashMap<>();
    private final Map<Integer, Integer> registeredAt = new HashMap<>();
    private long nextEpoch = 1;

    SimController(ClusterReplicationSimulationTest.Run run, SimExecutor executor, long sessionTimeoutMs) {
        this.run = run;
        this.executor = executor;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.parts = new PartitionState[run.partitions];
        for (int i = 0; i < parts.length; i++) {
            List<Integer> replicas = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                replicas.add(1 + (i + k) % 3);
            }
            parts[i] = new PartitionState(replicas.get(0), 0, replicas, replicas, 0);
            elr.add(List.of());
            lastKnownElr.add(List.of());
        }
    }

    SimExecutor executor() {
        return executor;
    }

    PartitionState state(int partition) {
        return parts[partition];
    }

    List<Integer> elr(int partition) {
        return elr.get(partition);
    }

    int logSize() {
        return log.size();
    }

    /** The whole image: what a starting broker hosts before anything else. */
    HostingChange image() {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            all.add(i);
        }
        return change(all, true);
    }

    private HostingChange change(List<Integer> changed, boolean whole) {
        List<PartitionAssignment> out = new ArrayList<>();
        for (int i : changed) {
            PartitionState s = parts[i];
            out.add(new PartitionAssignment(i, s.leader(), s.leaderEpoch(), s.partitionEpoch(), s.isr(),
                    s.replicas()));
        }
        return new HostingChange(List.of(), List.of(new HostingChange.Topic(ClusterReplicationSimulationTest.TOPIC,
                run.topicId, run.partitions, run.config, 2, out)), whole);
    }

    /**
     * A broker (re)registers at start-up: a new broker epoch, fenced until it has caught up with the metadata; a
     * registration replacing an earlier one fences that one first (leaves the ISRs, leadership moves).
     */
    long register(int broker) {
        long epoch = nextEpoch++;
        boolean again = epochs.containsKey(broker);
        epochs.put(broker, epoch);
        if (again) {
            fence(broker, "registered again after an unclean shutdown", true);
        } else {
            fenced.put(broker, false);
        }
        registeredAt.put(broker, log.size());
        lastHeartbeat.put(broker, run.scheduler.nowMillis());
        return epoch;
    }

    /** Starts the periodic check of the brokers' sessions (Kafka's heartbeats), every 50 ms. */
    void startHeartbeats() {
        executor.schedule(this::heartbeats, 50);
    }

    private void heartbeats() {
        long now = run.scheduler.nowMillis();
        for (ClusterReplicationSimulationTest.Node n : run.nodes.values()) {
            boolean beating = n.alive && n.controllerLink;
            if (beating) {
                lastHeartbeat.put(n.id, now);
                if (fenced.get(n.id) && n.delivered >= registeredAt.get(n.id)) {
                    unfence(n.id);
                }
            } else if (!fenced.get(n.id) && now - lastHeartbeat.get(n.id) > sessionTimeoutMs) {
                if (n.alive) {
                    run.count("zombie leader");
                }
                fence(n.id, n.alive ? "cut off from the controller" : "dead", false);
            }
        }
        executor.schedule(this::heartbeats, 50);
    }

    /**
     * Fences {@code broker}: it leaves every ISR and leadership moves. After an unclean shutdown (a registration
     * replacing an earlier one) it also leaves the ELR: its log may have lost what it held.
     */
    private void fence(int broker, String why, boolean unclean) {
        fenced.put(broker, true);
        run.count("broker fenced");
        run.trace("controller: fences node " + broker + " (" + why + ")");
        IntPredicate usable = b -> b != broker && !fenced.get(b);
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            PartitionState p = parts[i];
            if (p.leader() != broker && !p.isr().contains(broker) && !(unclean && elr.get(i).contains(broker))) {
                continue;
            }
            List<Integer> isr = new ArrayList<>(p.isr());
            isr.remove(Integer.valueOf(broker));
            if (change(i, isr, usable, unclean ? broker : -1)) {
                changed.add(i);
            }
        }
        commit(changed);
    }

    private void unfence(int broker) {
        fenced.put(broker, false);
        run.trace("controller: unfences node " + broker);
        IntPredicate usable = b -> !fenced.get(b);
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            PartitionState p = parts[i];
            boolean eligible = p.isr().contains(broker) || p.isr().isEmpty() && (elr.get(i).contains(broker)
                    || elr.get(i).isEmpty() && lastKnownElr.get(i).contains(broker));
            if (p.leader() >= 0 || !eligible) {
                continue;
            }
            if (change(i, p.isr(), usable, -1)) {
                changed.add(i);
            }
        }
        commit(changed);
    }

    /**
     * One partition change as {@code controller/PartitionChange.build} makes it with ELR on: the ELR follows the new
     * ISR, then the leader is elected (Kafka's clean election: the leader while it stays eligible, else the first
     * eligible replica in assignment order; from the ELR when the ISR is empty; the last known leader when both
     * are), and a leader elected with an empty ISR is the ISR. True when the leader or ISR changed.
     */
    private boolean change(int i, List<Integer> targetIsr, IntPredicate usable, int uncleanShutdown) {
        PartitionState p = parts[i];
        List<Integer> isr = List.copyOf(targetIsr);
        List<Integer> e = trackElr(i, isr, uncleanShutdown);
        int leader = elect(i, isr, e, usable);
        if (leader >= 0 && isr.isEmpty()) {
            run.count(e.contains(leader) ? "leader elected from the ELR" : "last known leader elected");
            isr = List.of(leader);
            e = trackElr(i, isr, uncleanShutdown);
        }
        int last = lastKnownLeader(i);
        elr.set(i, e);
        if (leader >= 0) {
            lastKnownElr.set(i, List.of());
        } else if (isr.isEmpty() && last >= 0) {
            lastKnownElr.set(i, List.of(last));
        }
        return apply(i, leader, isr);
    }

    private List<Integer> trackElr(int i, List<Integer> isr, int uncleanShutdown) {
        if (isr.size() >= MIN_ISR) {
            return List.of();
        }
        List<Integer> next = new ArrayList<>();
        for (int r : parts[i].replicas()) {
            boolean candidate = parts[i].isr().contains(r) || elr.get(i).contains(r);
            if (!isr.contains(r) && candidate && r != uncleanShutdown) {
                next.add(r);
            }
        }
        return next;
    }

    private int elect(int i, List<Integer> isr, List<Integer> e, IntPredicate usable) {
        PartitionState p = parts[i];
        IntPredicate qualifies = b -> usable.test(b) && (isr.contains(b) || isr.isEmpty() && e.contains(b));
        if (p.leader() >= 0 && qualifies.test(p.leader())) {
            return p.leader();
        }
        for (int r : p.replicas()) {
            if (qualifies.test(r)) {
                return r;
            }
        }
        if (isr.isEmpty() && e.isEmpty()) {
            int last = lastKnownLeader(i);
            if (last >= 0 && usable.test(last)) {
                return last;
            }
        }
        return -1;
    }

    /** The leader the partition had last: its leader, or while it has none, its last known leader (KIP-966). */
    private int lastKnownLeader(int i) {
        PartitionState p = parts[i];
        if (p.leader() >= 0) {
            return p.leader();
        }
        if (!lastKnownElr.get(i).isEmpty()) {
            return lastKnownElr.get(i).get(0);
        }
        return p.isr().size() == 1 ? p.isr().get(0) : -1;
    }

    private boolean apply(int i, int leader, List<Integer> isr) {
        PartitionState p = parts[i];
        if (leader == p.leader() && isr.equals(p.isr())) {
            return false;
        }
        int leaderEpoch = leader != p.leader() ? p.leaderEpoch() + 1 : p.leaderEpoch();
        parts[i] = new PartitionState(leader, leaderEpoch, isr, p.replicas(), p.partitionEpoch() + 1);
        if (leader != p.leader()) {
            run.count(leader >= 0 ? "leader elected" : "no leader");
        }
        run.trace("controller: " + ClusterReplicationSimulationTest.TOPIC + "-" + i + " " + parts[i] + " elr "
                + elr.get(i));
        return true;
    }

    /** Commits the changed partitions' states to the metadata log and hands the change to every broker. */
    private void commit(List<Integer> changed) {
        if (changed.isEmpty()) {
            return;
        }
        log.add(change(changed, false));
        for (ClusterReplicationSimulationTest.Node n : run.nodes.values()) {
            deliver(n);
        }
    }

    /** Hands the metadata {@code n} has not had to it, in order, each applied after a short random delay. */
    void deliver(ClusterReplicationSimulationTest.Node n) {
        if (!n.alive || !n.controllerLink) {
            return;
        }
        SimBroker b = n.broker;
        long now = run.scheduler.nowMillis();
        while (n.delivered < log.size()) {
            HostingChange c = log.get(n.delivered++);
            long at = Math.max(n.nextApplyAt, now + 1 + run.random.nextInt(30));
            n.nextApplyAt = at;
            b.hosting.schedule(() -> b.replicas.apply(c), at - now);
        }
    }

    /** AlterPartition from broker {@code from} in broker epoch {@code epoch}: the committed state or the error. */
    Object alterPartition(int from, long epoch, AlterPartitionChannel.IsrChange c) {
        if (epochs.get(from) != epoch) {
            return error(ErrorCode.STALE_BROKER_EPOCH, c);
        }
        int i = c.partition();
        PartitionState p = parts[i];
        if (c.leaderEpoch() > p.leaderEpoch() || c.partitionEpoch() > p.partitionEpoch()) {
            return error(ErrorCode.NOT_CONTROLLER, c);
        }
        if (from != p.leader()) {
            return error(ErrorCode.INVALID_REQUEST, c);
        }
        if (c.leaderEpoch() < p.leaderEpoch()) {
            return error(ErrorCode.FENCED_LEADER_EPOCH, c);
        }
        if (c.partitionEpoch() < p.partitionEpoch()) {
            return error(ErrorCode.INVALID_UPDATE_VERSION, c);
        }
        List<Integer> isr = c.brokerIds();
        if (new HashSet<>(isr).size() != isr.size() || !p.replicas().containsAll(isr) || !isr.contains(from)) {
            return error(ErrorCode.INVALID_REQUEST, c);
        }
        for (AlterPartitionChannel.IsrMember m : c.newIsr()) {
            if (m.brokerId() != from && (fenced.get(m.brokerId())
                    || m.brokerEpoch() != -1 && m.brokerEpoch() != epochs.get(m.brokerId()))) {
                return error(ErrorCode.INELIGIBLE_REPLICA, c);
            }
        }
        if (!isr.equals(p.isr())) {
            run.count(isr.size() < p.isr().size() ? "isr shrunk" : "isr expanded");
            change(i, isr, b -> b == from || !fenced.get(b), -1);
            commit(List.of(i));
        }
        return parts[i];
    }

    private SamsaException error(ErrorCode code, AlterPartitionChannel.IsrChange c) {
        run.count("alter partition " + code);
        run.trace("controller: refuses " + c + ": " + code);
        return new SamsaException(code, "AlterPartition of " + c.topic() + "-" + c.partition() + ": " + code);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            sb.append(ClusterReplicationSimulationTest.TOPIC).append('-').append(i).append(' ').append(parts[i])
                    .append(" elr ").append(elr.get(i)).append(" last known ").append(lastKnownElr.get(i))
                    .append("; ");
        }
        return sb.append("fenced ").append(fenced).append(", epochs ").append(epochs).toString();
    }
}
