package io.samsa.controller;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.metadata.record.PartitionChangeRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * AlterPartition (KIP-497, with the broker epochs of KIP-903): a partition's leader proposes a new ISR; the
 * controller checks it against the partition as the working image has it and writes a {@link PartitionChangeRecord}
 * (a new partition epoch). Kafka's checks, per partition, in this order:
 *
 * <ul>
 *   <li>{@code UNKNOWN_TOPIC_ID} / {@code UNKNOWN_TOPIC_OR_PARTITION} for a topic id or partition that does not
 *       exist;</li>
 *   <li>{@code NOT_CONTROLLER} when the request's leader epoch or partition epoch is ahead of the controller's (this
 *       controller is likely not the active one any more: the leader looks for the new one);</li>
 *   <li>{@code INVALID_REQUEST} when the requester is not the partition's leader;</li>
 *   <li>{@code FENCED_LEADER_EPOCH} for an older leader epoch; {@code INVALID_UPDATE_VERSION} for an older partition
 *       epoch (the leader waits for the metadata);</li>
 *   <li>{@code INVALID_REQUEST} for an ISR with a non-replica or a broker twice, without the leader, of several
 *       members while the leader recovers, or that sets a recovered leader back to recovering;</li>
 *   <li>{@code INELIGIBLE_REPLICA} when a proposed member other than the leader is not registered, fenced, in
 *       controlled shutdown, or registered with another broker epoch than the request names (KIP-903);</li>
 *   <li>{@code NEW_LEADER_ELECTED} when the change elects another leader (a reassignment that completes and drops
 *       the leader).</li>
 * </ul>
 *
 * A request from a broker not registered with the request's broker epoch fails as a whole with
 * {@code STALE_BROKER_EPOCH}. An ISR that now holds every target replica of a reassignment completes it (KIP-455).
 *
 * <p>Not thread-safe: the controller's executor only; validates against the working image, returns records.
 */
final class IsrControl {
    private static final Logger log = LoggerFactory.getLogger(IsrControl.class);

    private final String prefix;
    private final LeaderMoves moves;

    IsrControl(String prefix, LeaderMoves moves) {
        this.prefix = prefix;
        this.moves = moves;
    }

    ControllerResult<List<AlterPartitionResult>> alterPartition(MetadataImage image, int brokerId, long brokerEpoch,
                                                                List<AlterPartitionItem> items) {
        ClusterControl.registered(image, brokerId, brokerEpoch);
        List<Message> records = new ArrayList<>();
        List<AlterPartitionResult> results = new ArrayList<>(items.size());
        Set<String> seen = new HashSet<>();
        for (AlterPartitionItem item : items) {
            if (!seen.add((item.topicId() != null ? item.topicId() : item.topicName()) + ":" + item.partition())) {
                results.add(AlterPartitionResult.error(item.topicId(), item.partition(), ErrorCode.INVALID_REQUEST));
                continue;
            }
            results.add(alter(image, brokerId, item, records));
        }
        return new ControllerResult<>(records, results);
    }

    private AlterPartitionResult alter(MetadataImage image, int brokerId, AlterPartitionItem item,
                                       List<Message> records) {
        UUID topicId = item.topicId();
        TopicImage t = topicId != null ? image.topic(topicId) : image.topic(item.topicName());
        if (t == null) {
            return AlterPartitionResult.error(topicId, item.partition(), topicId != null ? ErrorCode.UNKNOWN_TOPIC_ID
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        topicId = t.id();
        PartitionRegistration p = t.partition(item.partition());
        ErrorCode invalid = validate(image, brokerId, t, p, item);
        if (invalid != ErrorCode.NONE) {
            log.info("{}Refusing the ISR {} of {}-{} from broker {} (leader epoch {}, partition epoch {}): {}",
                prefix, item.brokerIds(), t.name(), item.partition(), brokerId, item.leaderEpoch(),
                item.partitionEpoch(), invalid);
            return AlterPartitionResult.error(topicId, item.partition(), invalid);
        }
        List<Integer> newIsr = item.brokerIds();
        PartitionChange change = new PartitionChange(topicId, p, b -> LeaderMoves.usable(image, b))
            .elr(moves.elrMinIsr(image, t)).uncleanAllowed(false);
        List<Integer> target = p.targetReplicas();
        if (p.reassigning() && newIsr.containsAll(target)) {
            // Every target replica is in sync: the reassignment completes (KIP-455).
            List<Integer> isr = new ArrayList<>(newIsr);
            isr.retainAll(target);
            change.replicas(target, List.of(), List.of()).isr(isr);
        } else {
            change.isr(newIsr);
        }
        PartitionChangeRecord rec = change.build();
        if (rec != null && item.leaderRecoveryState() == PartitionRegistration.RECOVERED
                && p.leaderRecoveryState() == PartitionRegistration.RECOVERING
                && rec.leaderRecoveryState() < 0) {
            // The leader elected uncleanly reports that it has recovered.
            rec.setLeaderRecoveryState(PartitionRegistration.RECOVERED);
        } else if (rec == null && item.leaderRecoveryState() == PartitionRegistration.RECOVERED
                && p.leaderRecoveryState() == PartitionRegistration.RECOVERING) {
            rec = new PartitionChangeRecord().setTopicId(topicId).setPartitionId(p.partition())
                .setLeader(MetadataDelta.NO_LEADER_CHANGE).setLeaderRecoveryState(PartitionRegistration.RECOVERED);
        }
        if (rec == null) {
            // Nothing changes: the partition as it stands.
            return new AlterPartitionResult(topicId, p.partition(), ErrorCode.NONE, p.leader(), p.leaderEpoch(),
                p.isr(), p.leaderRecoveryState(), p.partitionEpoch());
        }
        records.add(rec);
        int leader = PartitionChange.leaderAfter(p, rec);
        log.info("{}ISR of {}-{} from {} to {} (leader {}, partition epoch {}) at the request of broker {}", prefix,
            t.name(), p.partition(), p.isr(), rec.isr() == null ? p.isr() : rec.isr(), leader,
            p.partitionEpoch() + 1, brokerId);
        if (leader != brokerId) {
            return AlterPartitionResult.error(topicId, p.partition(), ErrorCode.NEW_LEADER_ELECTED);
        }
        return new AlterPartitionResult(topicId, p.partition(), ErrorCode.NONE, leader,
            leader != p.leader() ? p.leaderEpoch() + 1 : p.leaderEpoch(),
            rec.isr() == null ? p.isr() : rec.isr(),
            rec.leaderRecoveryState() >= 0 ? rec.leaderRecoveryState() : p.leaderRecoveryState(),
            p.partitionEpoch() + 1);
    }

    private static ErrorCode validate(MetadataImage image, int brokerId, TopicImage t, PartitionRegistration p,
                                      AlterPartitionItem item) {
        if (p == null) {
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (item.leaderEpoch() > p.leaderEpoch() || item.partitionEpoch() > p.partitionEpoch()) {
            return ErrorCode.NOT_CONTROLLER;
        }
        if (brokerId != p.leader()) {
            return ErrorCode.INVALID_REQUEST;
        }
        if (item.leaderEpoch() < p.leaderEpoch()) {
            return ErrorCode.FENCED_LEADER_EPOCH;
        }
        if (item.partitionEpoch() < p.partitionEpoch()) {
            return ErrorCode.INVALID_UPDATE_VERSION;
        }
        List<Integer> newIsr = item.brokerIds();
        if (new HashSet<>(newIsr).size() != newIsr.size() || !p.replicas().containsAll(newIsr)
                || !newIsr.contains(p.leader())) {
            return ErrorCode.INVALID_REQUEST;
        }
        if (item.leaderRecoveryState() == PartitionRegistration.RECOVERING && newIsr.size() > 1) {
            return ErrorCode.INVALID_REQUEST;
        }
        if (item.leaderRecoveryState() == PartitionRegistration.RECOVERING
                && p.leaderRecoveryState() == PartitionRegistration.RECOVERED) {
            return ErrorCode.INVALID_REQUEST;
        }
        for (AlterPartitionItem.IsrMember m : item.newIsr()) {
            if (m.brokerId() == brokerId) {
                continue;
            }
            BrokerRegistration b = image.broker(m.brokerId());
            if (b == null || b.fenced() || b.inControlledShutdown()
                    || (m.brokerEpoch() != -1 && m.brokerEpoch() != b.brokerEpoch())) {
                return ErrorCode.INELIGIBLE_REPLICA;
            }
        }
        return ErrorCode.NONE;
    }
}
