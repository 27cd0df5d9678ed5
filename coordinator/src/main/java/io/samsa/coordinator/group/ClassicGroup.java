package io.samsa.coordinator.group;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.coordinator.TopicMetadata;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.ConsumerProtocolSubscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A classic group (JoinGroup/SyncGroup protocol): its state, generation, selected protocol, leader and
 * members. The state machine itself is in {@link ClassicGroupProtocol}. Event thread only.
 *
 * <p>As in Kafka, a rebalance in progress lives in memory (members joining and leaving, the next generation, the
 * parked JoinGroup and SyncGroup requests); a GroupMetadata record stores the group at a generation, and its
 * replay ({@link GroupReplay}) makes the group what the record says, at write time as at load time: Stable with
 * the record's members, or Empty.
 */
final class ClassicGroup implements Group {
    static final String CONSUMER_PROTOCOL_TYPE = "consumer";

    final String groupId;
    ClassicGroupState state = ClassicGroupState.EMPTY;
    long stateTimestamp;
    String protocolType;
    String protocolName;
    int generationId;
    String leaderId;
    final LinkedHashMap<String, ClassicMember> members = new LinkedHashMap<>();
    final Map<String, String> staticMembers = new HashMap<>();
    final Set<String> pendingMembers = new HashSet<>();
    /**
     * Whether the log knows this group (a GroupMetadata or offset record was replayed for it): then only a
     * tombstone removes it, or a reload would bring it back.
     */
    boolean stored;
    /** KIP-134: a new group's first rebalance waits for more members. */
    boolean newMemberAdded;
    int initialDelayRemainingMs;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.stateTimestamp = now;
    }

    @Override
    public String type() {
        return "classic";
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public String stateName() {
        return state.displayName;
    }

    @Override
    public String protocolType() {
        return protocolType == null ? "" : protocolType;
    }

    @Override
    public boolean isEmpty() {
        return members.isEmpty() && pendingMembers.isEmpty();
    }

    void transitionTo(ClassicGroupState next, long now) {
        state = next;
        stateTimestamp = now;
    }

    boolean is(ClassicGroupState s) {
        return state == s;
    }

    boolean allMembersJoined() {
        for (ClassicMember m : members.values()) {
            if (m.awaitingJoin == null) {
                return false;
            }
        }
        return pendingMembers.isEmpty();
    }

    int rebalanceTimeoutMs() {
        int max = 0;
        for (ClassicMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    void add(ClassicMember m) {
        members.put(m.memberId, m);
        if (m.instanceId != null) {
            staticMembers.put(m.instanceId, m.memberId);
        }
        if (leaderId == null) {
            leaderId = m.memberId;
        }
    }

    void remove(String memberId) {
        ClassicMember m = members.remove(memberId);
        if (m != null && m.instanceId != null && memberId.equals(staticMembers.get(m.instanceId))) {
            staticMembers.remove(m.instanceId);
        }
        if (memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    /** Moves a static member to {@code newMemberId} (KIP-345 rejoin with a fresh id); returns the member. */
    ClassicMember replaceStaticMember(String instanceId, String newMemberId) {
        String oldId = staticMembers.get(instanceId);
        ClassicMember m = members.remove(oldId);
        m.memberId = newMemberId;
        members.put(newMemberId, m);
        staticMembers.put(instanceId, newMemberId);
        if (oldId.equals(leaderId)) {
            leaderId = newMemberId;
        }
        return m;
    }

    /** Whether a member with these protocols may join: same type, and one protocol every member supports. */
    boolean supportsProtocols(String memberProtocolType, List<ClassicMember.Protocol> protocols) {
        if (members.isEmpty()) {
            return memberProtocolType != null && !memberProtocolType.isEmpty() && !protocols.isEmpty();
        }
        if (!memberProtocolType.equals(protocolType)) {
            return false;
        }
        for (ClassicMember.Protocol p : protocols) {
            boolean all = true;
            for (ClassicMember m : members.values()) {
                all &= m.supports(p.name());
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** Kafka's vote: every member votes for its first protocol that all members support; most votes wins. */
    String selectProtocol() {
        List<String> candidates = new ArrayList<>();
        ClassicMember first = members.values().iterator().next();
        for (ClassicMember.Protocol p : first.protocols) {
            boolean all = true;
            for (ClassicMember m : members.values()) {
                all &= m.supports(p.name());
            }
            if (all) {
                candidates.add(p.name());
            }
        }
        Map<String, Integer> votes = new HashMap<>();
        for (ClassicMember m : members.values()) {
            for (ClassicMember.Protocol p : m.protocols) {
                if (candidates.contains(p.name())) {
                    votes.merge(p.name(), 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        int bestVotes = -1;
        for (String c : candidates) {
            int v = votes.getOrDefault(c, 0);
            if (v > bestVotes) {
                best = c;
                bestVotes = v;
            }
        }
        return best;
    }

    @Override
    public Set<String> subscribedTopics(TopicMetadata topics) {
        Set<String> out = new TreeSet<>();
        if (!CONSUMER_PROTOCOL_TYPE.equals(protocolType) || protocolName == null) {
            return out;
        }
        for (ClassicMember m : members.values()) {
            byte[] md = m.metadata(protocolName);
            if (md != null) {
                out.addAll(parseSubscription(md));
            }
        }
        return out;
    }

    /** The topics of a consumer protocol subscription; empty when the bytes cannot be read. */
    static List<String> parseSubscription(byte[] metadata) {
        if (metadata.length < 2) {
            return List.of();
        }
        ByteBuf buf = Unpooled.wrappedBuffer(metadata);
        try {
            short version = buf.readShort();
            if (version < 0) {
                return List.of();
            }
            ConsumerProtocolSubscription sub = new ConsumerProtocolSubscription();
            sub.read(buf, (short) Math.min(version, ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION));
            return sub.topics();
        } catch (DecodeException | IndexOutOfBoundsException e) {
            return List.of();
        } finally {
            buf.release();
        }
    }
}
