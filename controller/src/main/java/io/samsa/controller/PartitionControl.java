package io.samsa.controller;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Leadership and placement of existing partitions: ElectLeaders (preferred and unclean, KIP-460), the periodic
 * preferred-leader rebalance ({@code auto.leader.rebalance.enable}), and partition reassignment (KIP-455:
 * AlterPartitionReassignments, ListPartitionReassignments).
 *
 * <p>A reassignment to target replicas {@code T} of a partition on replicas {@code O} records
 * {@code replicas = T + (O - T)}, {@code addingReplicas = T - O} and {@code removingReplicas = O - T} in the
 * partition; it completes, in one more change, once every target replica is in the ISR: replicas become {@code T},
 * the removed ones leave the ISR, and a leader outside {@code T} hands over. A reassignment that only removes
 * replicas of the ISR completes at once; one that adds replicas completes when they join the ISR. Cancelling reverts
 * to {@code O}.
 *
 * <p>Not thread-safe: the controller's executor only; validates against the working image, returns records.
 */
final class PartitionControl {
    private final LeaderMoves moves;

    PartitionControl(LeaderMoves moves) {
        this.moves = moves;
    }

    private static IntPredicate usable(MetadataImage image) {
        return b -> LeaderMoves.usable(image, b);
    }

    ControllerResult<List<ApiResult<TopicPartition>>> electLeaders(MetadataImage image, ElectionType type,
                                                                  List<TopicPartition> partitions) {
        List<Message> records = new ArrayList<>();
        List<ApiResult<TopicPartition>> results = new ArrayList<>();
        if (partitions == null) {
            // Every partition; only those that needed an election are answered, as Kafka does.
            for (TopicImage t : LeaderMoves.topics(image)) {
                for (PartitionRegistration p : t.partitions().values()) {
                    ApiResult<TopicPartition> r = elect(image, type, t, p, records);
                    if (r.error() != ErrorCode.ELECTION_NOT_NEEDED) {
                        results.add(r);
                    }
                }
            }
            return new ControllerResult<>(records, results);
        }
        Set<TopicPartition> seen = new HashSet<>();
        for (TopicPartition tp : new LinkedHashSet<>(partitions)) {
            if (!seen.add(tp)) {
                continue;
            }
            TopicImage t = image.topic(tp.topic());
            PartitionRegistration p = t == null ? null : t.partition(tp.partition());
            if (p == null) {
                results.add(new ApiResult<>(tp, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    "The partition " + tp + " does not exist."));
                continue;
            }
            results.add(elect(image, type, t, p, records));
        }
        return new ControllerResult<>(records, results);
    }

    private ApiResult<TopicPartition> elect(MetadataImage image, ElectionType type, TopicImage t,
                                            PartitionRegistration p, List<Message> records) {
        TopicPartition tp = new TopicPartition(t.name(), p.partition());
        IntPredicate usable = usable(image);
        if (type == ElectionType.PREFERRED) {
            int preferred = p.preferredLeader();
            if (p.leader() == preferred) {
                return new ApiResult<>(tp, ErrorCode.ELECTION_NOT_NEEDED, "Leader election not needed for topic "
                    + "partition " + tp + ": the preferred replica " + preferred + " leads.");
            }
            if (!usable.test(preferred) || !p.isr().contains(preferred)) {
                return new ApiResult<>(tp, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "Failed to elect the preferred"
                    + " replica " + preferred + " of " + tp + ": it is " + (usable.test(preferred)
                    ? "not in the ISR " + p.isr() : "not alive") + ".");
            }
            records.add(new PartitionChange(t.id(), p, usable).elr(moves.elrMinIsr(image, t))
                .election(PartitionChange.Election.PREFERRED).build());
            return ApiResult.ok(tp);
        }
        if (p.leader() >= 0 && usable.test(p.leader())) {
            return new ApiResult<>(tp, ErrorCode.ELECTION_NOT_NEEDED, "Leader election not needed for topic "
                + "partition " + tp + ": broker " + p.leader() + " leads.");
        }
        // The operator asks for it: unclean even past fenced eligible leader replicas (which it clears).
        PartitionChangeRecord r = new PartitionChange(t.id(), p, usable).elr(moves.elrMinIsr(image, t))
            .uncleanAllowed(true).uncleanPastElr().build();
        if (r == null || PartitionChange.leaderAfter(p, r) < 0) {
            return new ApiResult<>(tp, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "No replica of " + tp
                + " is alive to lead it (replicas " + p.replicas() + ").");
        }
        records.add(r);
        return ApiResult.ok(tp);
    }

    /**
     * The unclean elections of every partition without a leader whose topic allows them
     * ({@code unclean.leader.election.enable}, topic or broker default): as Kafka's KRaft controller, which runs this
     * periodically, a setting enabled after the partition lost its leader takes effect by this check. Returns how many
     * partitions got a leader.
     */
    ControllerResult<Integer> electUncleanWhereAllowed(MetadataImage image) {
        List<Message> records = new ArrayList<>();
        IntPredicate usable = usable(image);
        for (TopicImage t : LeaderMoves.topics(image)) {
            Boolean allowed = null;
            for (PartitionRegistration p : t.partitions().values()) {
                if (p.leader() >= 0 && usable.test(p.leader())) {
                    continue;
                }
                if (allowed == null) {
                    allowed = moves.uncleanAllowed(image, t);
                }
                if (!allowed) {
                    break;
                }
                PartitionChangeRecord r = new PartitionChange(t.id(), p, usable).elr(moves.elrMinIsr(image, t))
                    .uncleanAllowed(true).build();
                if (r != null && PartitionChange.leaderAfter(p, r) >= 0) {
                    records.add(r);
                }
            }
        }
        return new ControllerResult<>(records, records.size());
    }

    /** The preferred-leader elections of every partition whose preferred replica could lead and does not. */
    ControllerResult<Integer> rebalance(MetadataImage image) {
        List<Message> records = new ArrayList<>();
        IntPredicate usable = usable(image);
        for (TopicImage t : LeaderMoves.topics(image)) {
            for (PartitionRegistration p : t.partitions().values()) {
                int preferred = p.preferredLeader();
                if (p.leader() != preferred && usable.test(preferred) && p.isr().contains(preferred)
                        && !p.reassigning()) {
                    records.add(new PartitionChange(t.id(), p, usable).elr(moves.elrMinIsr(image, t))
                        .election(PartitionChange.Election.PREFERRED)
                        .build());
                }
            }
        }
        return new ControllerResult<>(records, records.size());
    }

    ControllerResult<List<ApiResult<TopicPartition>>> alterReassignments(MetadataImage image,
                                                                        List<Reassignment> reassignments,
                                                                        boolean allowRfChange) {
        List<Message> records = new ArrayList<>();
        List<ApiResult<TopicPartition>> results = new ArrayList<>(reassignments.size());
        Set<TopicPartition> seen = new HashSet<>();
        for (Reassignment r : reassignments) {
            TopicPartition tp = r.partition();
            if (!seen.add(tp)) {
                results.add(new ApiResult<>(tp, ErrorCode.INVALID_REQUEST, "The partition " + tp
                    + " is named twice."));
                continue;
            }
            try {
                PartitionChangeRecord rec = reassign(image, r, allowRfChange);
                if (rec != null) {
                    records.add(rec);
                }
                results.add(ApiResult.ok(tp));
            } catch (SamsaException e) {
                results.add(new ApiResult<>(tp, e.errorCode(), e.getMessage()));
            }
        }
        return new ControllerResult<>(records, results);
    }

    private PartitionChangeRecord reassign(MetadataImage image, Reassignment r, boolean allowRfChange) {
        TopicPartition tp = r.partition();
        TopicImage t = image.topic(tp.topic());
        PartitionRegistration p = t == null ? null : t.partition(tp.partition());
        if (p == null) {
            throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The partition " + tp
                + " does not exist.");
        }
        List<Integer> original = new ArrayList<>(p.replicas());
        original.removeAll(p.addingReplicas());
        if (r.replicas() == null) {
            if (!p.reassigning()) {
                throw new SamsaException(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, "No reassignment of " + tp
                    + " is in progress.");
            }
            return change(image, t, p, original, List.of(), List.of());
        }
        List<Integer> target = r.replicas();
        checkTarget(image, tp, target);
        if (!allowRfChange && target.size() != original.size()) {
            throw new SamsaException(ErrorCode.INVALID_REPLICATION_FACTOR, "The replication factor of " + tp
                + " would change from " + original.size() + " to " + target.size() + ", which the request does "
                + "not allow.");
        }
        if (target.equals(original)) {
            return p.reassigning() ? change(image, t, p, original, List.of(), List.of()) : null;
        }
        List<Integer> adding = new ArrayList<>(target);
        adding.removeAll(original);
        List<Integer> removing = new ArrayList<>(original);
        removing.removeAll(target);
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        return change(image, t, p, replicas, adding, removing);
    }

    /** The change to {@code replicas} (adding, removing), completed at once when every target is in the ISR. */
    private PartitionChangeRecord change(MetadataImage image, TopicImage t, PartitionRegistration p,
                                         List<Integer> replicas, List<Integer> adding, List<Integer> removing) {
        List<Integer> target = new ArrayList<>(replicas);
        target.removeAll(removing);
        List<Integer> isr = new ArrayList<>(p.isr());
        isr.retainAll(replicas);
        PartitionChange c = new PartitionChange(t.id(), p, usable(image)).elr(moves.elrMinIsr(image, t));
        if (p.isr().containsAll(target)) {
            // Complete: only the target remains; the ISR keeps its members among the target.
            List<Integer> newIsr = new ArrayList<>(isr);
            newIsr.retainAll(target);
            c.replicas(target, List.of(), List.of()).isr(newIsr.isEmpty() ? isr : newIsr);
        } else {
            c.replicas(replicas, adding, removing).isr(isr.isEmpty() ? p.isr() : isr);
        }
        return c.uncleanAllowed(moves.uncleanAllowed(image, t)).build();
    }

    private static void checkTarget(MetadataImage image, TopicPartition tp, List<Integer> target) {
        if (target.isEmpty()) {
            throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The replica list of " + tp
                + " is empty.");
        }
        Set<Integer> seen = new HashSet<>();
        for (int b : target) {
            if (!seen.add(b)) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The replica list of " + tp
                    + " includes broker " + b + " more than once.");
            }
            if (image.broker(b) == null) {
                throw new SamsaException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "The replica list of " + tp
                    + " includes broker " + b + ", but no such broker is registered.");
            }
        }
    }

    ControllerResult<List<OngoingReassignment>> listReassignments(MetadataImage image,
                                                                 List<TopicPartition> partitions) {
        List<OngoingReassignment> out = new ArrayList<>();
        if (partitions == null) {
            for (TopicImage t : LeaderMoves.topics(image)) {
                for (PartitionRegistration p : t.partitions().values()) {
                    if (p.reassigning()) {
                        out.add(ongoing(t, p));
                    }
                }
            }
            return new ControllerResult<>(List.of(), out);
        }
        for (TopicPartition tp : new LinkedHashSet<>(partitions)) {
            TopicImage t = image.topic(tp.topic());
            if (t == null) {
                throw new SamsaException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic " + tp.topic()
                    + " does not exist.");
            }
            PartitionRegistration p = t.partition(tp.partition());
            if (p != null && p.reassigning()) {
                out.add(ongoing(t, p));
            }
        }
        return new ControllerResult<>(List.of(), out);
    }

    private static OngoingReassignment ongoing(TopicImage t, PartitionRegistration p) {
        return new OngoingReassignment(new TopicPartition(t.name(), p.partition()), p.replicas(),
            p.addingReplicas(), p.removingReplicas());
    }
}
