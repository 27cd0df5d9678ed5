package io.samsa.coordinator.group;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
 * <p>Record value (type {@link GroupRecords#CLASSIC_GROUP}), version 0: protocolType, generation,
 * protocolName, leader, stateTimestamp, then per member: memberId, instanceId, clientId, clientHost,
 * rebalanceTimeoutMs, sessionTimeoutMs, the selected protocol's metadata, assignment.
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
    public Set<String> subscribedTopics() {
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

    byte[] encode() {
        Bytes.Writer w = new Bytes.Writer().i16(0).str(protocolType).i32(generationId).str(protocolName)
                .str(leaderId).i64(stateTimestamp).i32(members.size());
        for (ClassicMember m : members.values()) {
            w.str(m.memberId).str(m.instanceId).str(m.clientId).str(m.clientHost).i32(m.rebalanceTimeoutMs)
                    .i32(m.sessionTimeoutMs).bytes(protocolName == null ? null : m.metadata(protocolName))
                    .bytes(m.assignment);
        }
        return w.toByteArray();
    }

    static ClassicGroup decode(String groupId, byte[] value) {
        Bytes.Reader r = new Bytes.Reader(value);
        int version = r.i16();
        if (version != 0) {
            throw new DecodeException("Unknown classic group record version " + version);
        }
        ClassicGroup g = new ClassicGroup(groupId, 0);
        g.protocolType = r.str();
        g.generationId = r.i32();
        g.protocolName = r.str();
        String leader = r.str();
        g.stateTimestamp = r.i64();
        int n = r.count(24);
        for (int i = 0; i < n; i++) {
            String memberId = r.str();
            String instanceId = r.str();
            String clientId = r.str();
            String clientHost = r.str();
            int rebalanceTimeout = r.i32();
            int sessionTimeout = r.i32();
            byte[] md = r.bytes();
            byte[] assignment = r.bytes();
            List<ClassicMember.Protocol> protocols = g.protocolName == null || md == null ? List.of()
                    : List.of(new ClassicMember.Protocol(g.protocolName, md));
            ClassicMember m = new ClassicMember(memberId, instanceId, clientId, clientHost, rebalanceTimeout,
                    sessionTimeout, protocols);
            m.assignment = assignment == null ? new byte[0] : assignment;
            g.add(m);
        }
        g.leaderId = g.members.isEmpty() ? null : leader;
        g.state = g.members.isEmpty() ? ClassicGroupState.EMPTY : ClassicGroupState.STABLE;
        return g;
    }
}
