package io.samsa.controller;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.IntPredicate;

/**
 * Builds the {@link PartitionChangeRecord} that moves one partition to a new state: a new ISR, a new leader
 * elected by one of Kafka's rules, a reassignment started, completed or reverted. Only the fields that change are
 * set (a field left at its default means "unchanged"); {@link #build()} returns null when nothing changes.
 *
 * <p>Leader election (KRaft's rules): a leader comes from the ISR and must be usable (registered, unfenced, not in
 * controlled shutdown); the current leader is kept while it qualifies; otherwise the first qualifying replica in
 * replica order (the reassignment's target replicas come first); with unclean election allowed and no ISR member
 * usable, the first usable replica leads alone in the ISR and recovers (KIP-704); else no replica leads. The ISR
 * never becomes empty: the last member stays, so that it can lead again cleanly when it returns.
 *
 * <p>Not thread-safe: used on the controller's executor, for one partition.
 */
final class PartitionChange {
    /** How the leader is chosen. */
    enum Election {
        /** Keep the leader if it still qualifies, else elect one. */
        KEEP_OR_ELECT,
        /** The preferred replica (the first), if it qualifies; else the leader does not change. */
        PREFERRED,
    }

    private final UUID topicId;
    private final PartitionRegistration p;
    private final IntPredicate usable;
    private List<Integer> replicas;
    private List<Integer> isr;
    private List<Integer> adding;
    private List<Integer> removing;
    private Election election = Election.KEEP_OR_ELECT;
    private boolean uncleanAllowed;

    PartitionChange(UUID topicId, PartitionRegistration p, IntPredicate usable) {
        this.topicId = topicId;
        this.p = p;
        this.usable = usable;
        this.replicas = p.replicas();
        this.isr = p.isr();
        this.adding = p.addingReplicas();
        this.removing = p.removingReplicas();
    }

    /** Removes {@code broker} from the ISR, unless it is the only member. */
    PartitionChange removeFromIsr(int broker) {
        if (isr.contains(broker) && isr.size() > 1) {
            List<Integer> next = new ArrayList<>(isr);
            next.remove(Integer.valueOf(broker));
            isr = next;
        }
        return this;
    }

    PartitionChange isr(List<Integer> newIsr) {
        isr = List.copyOf(newIsr);
        return this;
    }

    PartitionChange replicas(List<Integer> newReplicas, List<Integer> newAdding, List<Integer> newRemoving) {
        replicas = List.copyOf(newReplicas);
        adding = List.copyOf(newAdding);
        removing = List.copyOf(newRemoving);
        return this;
    }

    PartitionChange election(Election e) {
        election = e;
        return this;
    }

    PartitionChange uncleanAllowed(boolean allowed) {
        uncleanAllowed = allowed;
        return this;
    }

    /** Whether {@code broker} may lead with the ISR as this change leaves it. */
    private boolean qualifies(int broker) {
        return broker >= 0 && isr.contains(broker) && usable.test(broker);
    }

    /** The leader this change elects: {@link PartitionRegistration#NO_LEADER} when none qualifies. */
    private int electLeader() {
        if (election == Election.PREFERRED) {
            int preferred = replicas.isEmpty() ? PartitionRegistration.NO_LEADER : replicas.get(0);
            return qualifies(preferred) ? preferred : p.leader();
        }
        if (replicas.contains(p.leader()) && qualifies(p.leader())) {
            return p.leader();
        }
        for (int r : replicas) {
            if (qualifies(r)) {
                return r;
            }
        }
        return PartitionRegistration.NO_LEADER;
    }

    /** The record, or null when the partition does not change. */
    PartitionChangeRecord build() {
        int leader = electLeader();
        byte recovery = p.leaderRecoveryState();
        if (leader != p.leader() && leader >= 0) {
            recovery = PartitionRegistration.RECOVERED;
        }
        if (leader == PartitionRegistration.NO_LEADER && uncleanAllowed) {
            for (int r : replicas) {
                if (usable.test(r)) {
                    leader = r;
                    isr = List.of(r);
                    recovery = PartitionRegistration.RECOVERING;
                    break;
                }
            }
        }
        PartitionChangeRecord rec = new PartitionChangeRecord().setTopicId(topicId).setPartitionId(p.partition());
        boolean changed = false;
        if (!isr.equals(p.isr())) {
            rec.setIsr(isr);
            changed = true;
        }
        if (leader != p.leader()) {
            rec.setLeader(leader);
            changed = true;
        } else {
            rec.setLeader(MetadataDelta.NO_LEADER_CHANGE);
        }
        if (!replicas.equals(p.replicas())) {
            rec.setReplicas(replicas);
            changed = true;
        }
        if (!adding.equals(p.addingReplicas())) {
            rec.setAddingReplicas(adding);
            changed = true;
        }
        if (!removing.equals(p.removingReplicas())) {
            rec.setRemovingReplicas(removing);
            changed = true;
        }
        if (recovery != p.leaderRecoveryState()) {
            rec.setLeaderRecoveryState(recovery);
            changed = true;
        }
        return changed ? rec : null;
    }

    /** The leader the built record gives the partition (after {@link #build()}); for results. */
    static int leaderAfter(PartitionRegistration p, PartitionChangeRecord r) {
        return r == null || r.leader() == MetadataDelta.NO_LEADER_CHANGE ? p.leader() : r.leader();
    }

    @Override
    public String toString() {
        return "PartitionChange(" + topicId + "-" + p.partition() + ", isr=" + isr + ", replicas="
            + Objects.toString(replicas) + ")";
    }
}
