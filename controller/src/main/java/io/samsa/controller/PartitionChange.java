package io.samsa.controller;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.record.PartitionChangeRecord;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
 * usable, the first usable replica leads alone in the ISR and recovers (KIP-704); else no replica leads. Without
 * eligible leader replicas the ISR never becomes empty: the last member stays, so that it can lead again cleanly
 * when it returns.
 *
 * <p>Eligible leader replicas (KIP-966, {@link #elr(int)} with the topic's {@code min.insync.replicas}): the ISR may
 * become empty. While the ISR is smaller than the minimum, the replicas that leave it (and those already eligible)
 * are the ELR, less any that shut down uncleanly ({@link #uncleanShutdown(int)}); once the ISR reaches the minimum the
 * ELR empties. With an empty ISR the first usable ELR member (in replica order) is elected cleanly and becomes the
 * ISR. With neither ISR nor ELR, the last known leader (kept in the last known ELR while the partition has no leader,
 * as Kafka 4.x does) leads again once it is usable, as the ISR's last member did before KIP-966. While an ELR member
 * exists, usable or not, no unclean election by {@code unclean.leader.election.enable} happens (the partition waits
 * for it); only an operator's unclean ElectLeaders passes over it ({@link #uncleanPastElr()}). With ELR off (level 0
 * of {@code eligible.leader.replicas.version}) a partition's next change clears any ELR it still carries.
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
    private boolean uncleanPastElr;
    /** The topic's {@code min.insync.replicas} when eligible leader replicas are tracked, else 0. */
    private int elrMinIsr;
    private final Set<Integer> uncleanShutdown = new HashSet<>();
    private List<Integer> elr = List.of();

    PartitionChange(UUID topicId, PartitionRegistration p, IntPredicate usable) {
        this.topicId = topicId;
        this.p = p;
        this.usable = usable;
        this.replicas = p.replicas();
        this.isr = p.isr();
        this.adding = p.addingReplicas();
        this.removing = p.removingReplicas();
    }

    /**
     * Removes {@code broker} from the ISR, unless it is the only member and eligible leader replicas are off (with
     * them, set {@link #elr(int)} first, the ISR may empty).
     */
    PartitionChange removeFromIsr(int broker) {
        if (isr.contains(broker) && (isr.size() > 1 || elrMinIsr > 0)) {
            List<Integer> next = new ArrayList<>(isr);
            next.remove(Integer.valueOf(broker));
            isr = next;
        }
        return this;
    }

    /**
     * {@code broker} shut down uncleanly (KIP-966: it registered again without its previous broker epoch): it
     * leaves the ISR and may not be an eligible leader replica, it may have lost records.
     */
    PartitionChange uncleanShutdown(int broker) {
        uncleanShutdown.add(broker);
        return removeFromIsr(broker);
    }

    /** Tracks eligible leader replicas with {@code minIsr} ({@code min.insync.replicas}); 0 turns them off. */
    PartitionChange elr(int minIsr) {
        elrMinIsr = Math.max(0, minIsr);
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

    /** An operator's unclean election (ElectLeaders): it may pass over eligible leader replicas none can lead. */
    PartitionChange uncleanPastElr() {
        uncleanPastElr = true;
        return this;
    }

    /** Whether {@code broker} may lead with the ISR (or, when it is empty, the ELR) as this change leaves it. */
    private boolean qualifies(int broker) {
        return broker >= 0 && usable.test(broker) && (isr.contains(broker) || isr.isEmpty() && elr.contains(broker));
    }

    /** The ELR that follows the ISR this change leaves (KIP-966). */
    private void trackElr() {
        if (elrMinIsr <= 0 || isr.size() >= elrMinIsr) {
            elr = List.of();
            return;
        }
        Set<Integer> candidates = new HashSet<>(p.eligibleLeaderReplicas());
        candidates.addAll(p.isr());
        List<Integer> next = new ArrayList<>();
        for (int r : replicas) {
            if (!isr.contains(r) && candidates.contains(r) && !uncleanShutdown.contains(r)) {
                next.add(r);
            }
        }
        elr = next;
    }

    /** The leader the partition had last: its leader, or while it has none, its last known leader (KIP-966). */
    private int lastKnownLeader() {
        if (p.leader() >= 0) {
            return p.leader();
        }
        if (!p.lastKnownElr().isEmpty()) {
            return p.lastKnownElr().get(0);
        }
        return p.isr().size() == 1 ? p.isr().get(0) : PartitionRegistration.NO_LEADER;
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
        if (elrMinIsr > 0 && isr.isEmpty() && elr.isEmpty()) {
            // Neither an ISR nor an eligible replica: the last known leader leads again if it is back, as the ISR's
            // last member did before KIP-966.
            int last = lastKnownLeader();
            if (last >= 0 && replicas.contains(last) && usable.test(last)) {
                return last;
            }
        }
        return PartitionRegistration.NO_LEADER;
    }

    /** The record, or null when the partition does not change. */
    PartitionChangeRecord build() {
        trackElr();
        int leader = electLeader();
        byte recovery = p.leaderRecoveryState();
        if (leader != p.leader() && leader >= 0) {
            recovery = PartitionRegistration.RECOVERED;
        }
        if (leader >= 0 && isr.isEmpty()) {
            // Elected from the ELR: it holds every committed record and is the ISR now (KIP-966).
            isr = List.of(leader);
            trackElr();
        }
        if (leader == PartitionRegistration.NO_LEADER && uncleanAllowed && (elr.isEmpty() || uncleanPastElr)) {
            for (int r : replicas) {
                if (usable.test(r)) {
                    leader = r;
                    isr = List.of(r);
                    recovery = PartitionRegistration.RECOVERING;
                    elr = List.of();
                    break;
                }
            }
        }
        // The last known leader: kept while the partition has neither ISR nor leader, forgotten once it has a leader.
        List<Integer> lastKnownElr = p.lastKnownElr();
        if (elrMinIsr <= 0 || leader >= 0) {
            lastKnownElr = List.of();
        } else if (isr.isEmpty() && lastKnownLeader() >= 0) {
            lastKnownElr = List.of(lastKnownLeader());
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
        if (!elr.equals(p.eligibleLeaderReplicas())) {
            rec.setEligibleLeaderReplicas(elr);
            changed = true;
        }
        if (!lastKnownElr.equals(p.lastKnownElr())) {
            rec.setLastKnownElr(lastKnownElr);
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
        return "PartitionChange(" + topicId + "-" + p.partition() + ", isr=" + isr + ", elr=" + elr + ", replicas="
            + Objects.toString(replicas) + ")";
    }
}
