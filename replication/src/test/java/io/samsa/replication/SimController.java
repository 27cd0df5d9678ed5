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
 *       it registers again (a new process, a new broker epoch): it is fenced, leaves every ISR (but the last place
 *       of one), and each partition it led gets a new leader from the ISR (the current one if still eligible, else
 *       the first eligible replica in assignment order), or none: unclean election is off. A new leader bumps the
 *       leader epoch; every change bumps the partition epoch.</li>
 *   <li>A fenced broker that heartbeats again once it has the metadata up to its registration is unfenced and
 *       elected where a partition has no leader and it is in the ISR.</li>
 * </ul>
 *
 * <p>Not modelled: the Raft quorum behind it (the metadata log is committed at once), controlled shutdown,
 * reassignment, ELR (KIP-966), preferred leader election. Not thread-safe: its executor and the test's thread.
 */
final class SimController {
    private final ClusterReplicationSimulationTest.Run run;
    private final SimExecutor executor;
    private final long sessionTimeoutMs;
    private final PartitionState[] parts;
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
        }
    }

    SimExecutor executor() {
        return executor;
    }

    PartitionState state(int partition) {
        return parts[partition];
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
            fence(broker, "registered again");
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
                fence(n.id, n.alive ? "cut off from the controller" : "dead");
            }
        }
        executor.schedule(this::heartbeats, 50);
    }

    private void fence(int broker, String why) {
        fenced.put(broker, true);
        run.count("broker fenced");
        run.trace("controller: fences node " + broker + " (" + why + ")");
        IntPredicate usable = b -> b != broker && !fenced.get(b);
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            PartitionState p = parts[i];
            if (p.leader() != broker && !p.isr().contains(broker)) {
                continue;
            }
            List<Integer> isr = new ArrayList<>(p.isr());
            if (isr.contains(broker) && isr.size() > 1) {
                isr.remove(Integer.valueOf(broker));
            }
            if (apply(i, elect(p, isr, usable), isr)) {
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
            if (p.leader() >= 0 || !p.isr().contains(broker)) {
                continue;
            }
            if (apply(i, elect(p, p.isr(), usable), p.isr())) {
                changed.add(i);
            }
        }
        commit(changed);
    }

    /** Kafka's clean election: the leader while it stays eligible, else the first eligible ISR member. */
    private static int elect(PartitionState p, List<Integer> isr, IntPredicate usable) {
        if (p.leader() >= 0 && isr.contains(p.leader()) && usable.test(p.leader())) {
            return p.leader();
        }
        for (int r : p.replicas()) {
            if (isr.contains(r) && usable.test(r)) {
                return r;
            }
        }
        return -1;
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
        run.trace("controller: " + ClusterReplicationSimulationTest.TOPIC + "-" + i + " " + parts[i]);
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
            apply(i, p.leader(), isr);
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
                    .append("; ");
        }
        return sb.append("fenced ").append(fenced).append(", epochs ").append(epochs).toString();
    }
}
