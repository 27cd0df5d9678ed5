package io.samsa.coordinator.group;

import io.samsa.coordinator.GroupCoordinatorConfig;
import io.samsa.coordinator.RequestMeta;
import io.samsa.coordinator.runtime.TypedRecord;
import io.samsa.coordinator.runtime.WriteContext;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic group protocol's state machine (JoinGroup, SyncGroup, Heartbeat, LeaveGroup and their
 * timers) over the groups of one {@link GroupShard}: Empty -> PreparingRebalance -> CompletingRebalance
 * -> Stable, with KIP-394 member ids, KIP-345 static membership and KIP-134's initial rebalance delay.
 * Parked JoinGroup/SyncGroup requests are answered through the {@link WriteContext} once the event's
 * records are committed. Event thread only.
 */
final class ClassicGroupProtocol {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupProtocol.class);
    private static final byte[] EMPTY = new byte[0];

    private final GroupShard shard;
    private final GroupCoordinatorConfig config;

    ClassicGroupProtocol(GroupShard shard, GroupCoordinatorConfig config) {
        this.shard = shard;
        this.config = config;
    }

    // ---- JoinGroup

    CompletableFuture<JoinGroupResponse> join(WriteContext ctx, RequestMeta meta, JoinGroupRequest req) {
        CompletableFuture<JoinGroupResponse> f = new CompletableFuture<>();
        short v = meta.apiVersion();
        String groupId = req.groupId();
        String memberId = req.memberId() == null ? "" : req.memberId();
        String instanceId = v >= 5 ? req.groupInstanceId() : null;
        if (groupId == null || groupId.isEmpty()) {
            return joinError(ErrorCode.INVALID_GROUP_ID, memberId);
        }
        int sessionTimeout = req.sessionTimeoutMs();
        if (sessionTimeout < config.minSessionTimeoutMs() || sessionTimeout > config.maxSessionTimeoutMs()) {
            return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, memberId);
        }
        int rebalanceTimeout = v == 0 || req.rebalanceTimeoutMs() <= 0 ? sessionTimeout : req.rebalanceTimeoutMs();
        List<ClassicMember.Protocol> protocols = new ArrayList<>();
        for (JoinGroupRequest.JoinGroupRequestProtocol p : req.protocols()) {
            protocols.add(new ClassicMember.Protocol(p.name(), p.metadata() == null ? EMPTY : p.metadata()));
        }
        Group existing = shard.groups.get(groupId);
        if (existing instanceof ConsumerGroup cg) {
            if (!cg.members.isEmpty()) {
                return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId);
            }
            // An empty consumer group becomes a classic group (Kafka's downgrade of an empty group).
            GroupRecords.groupTombstones(cg).forEach(ctx::append);
            existing = null;
        }
        ClassicGroup group = (ClassicGroup) existing;
        boolean created = false;
        if (group == null) {
            if (!memberId.isEmpty()) {
                return joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
            }
            group = new ClassicGroup(groupId, ctx.now());
            shard.groups.put(groupId, group);
            created = true;
        }
        CompletableFuture<JoinGroupResponse> out;
        if (!group.members.containsKey(memberId)
                && (instanceId == null || !group.staticMembers.containsKey(instanceId))
                && group.members.size() >= config.maxGroupSize()) {
            // A KIP-394 pending member counts only once it joins: refused here, it must not stay pending
            // (the rebalance would wait for it until its session timeout).
            if (group.pendingMembers.remove(memberId)) {
                ctx.cancel(pendingKey(groupId, memberId));
                tryCompleteJoin(ctx, group);
            }
            out = joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, memberId);
        } else if (!group.supportsProtocols(req.protocolType(), protocols)) {
            out = joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId);
        } else if (group.is(ClassicGroupState.DEAD)) {
            out = joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId);
        } else if (memberId.isEmpty()) {
            out = joinUnknown(ctx, meta, group, instanceId, rebalanceTimeout, sessionTimeout, req.protocolType(),
                    protocols, f);
        } else {
            out = joinKnown(ctx, meta, group, memberId, instanceId, rebalanceTimeout, sessionTimeout,
                    req.protocolType(), protocols, f);
        }
        if (created && group.isEmpty()) {
            shard.groups.remove(groupId);
        }
        return out;
    }

    private CompletableFuture<JoinGroupResponse> joinUnknown(WriteContext ctx, RequestMeta meta, ClassicGroup group,
                                                             String instanceId, int rebalanceTimeout,
                                                             int sessionTimeout, String protocolType,
                                                             List<ClassicMember.Protocol> protocols,
                                                             CompletableFuture<JoinGroupResponse> f) {
        String newId = (meta.clientId() == null ? "" : meta.clientId()) + "-" + UUID.randomUUID();
        if (instanceId != null) {
            if (group.staticMembers.containsKey(instanceId)) {
                return rejoinStatic(ctx, meta, group, instanceId, newId, rebalanceTimeout, sessionTimeout,
                        protocols, f);
            }
            addMemberAndRebalance(ctx, meta, group, newId, instanceId, rebalanceTimeout, sessionTimeout,
                    protocolType, protocols, f);
            return f;
        }
        if (meta.apiVersion() >= 4) {
            // KIP-394: the member must come back with the id we give it before it counts.
            group.pendingMembers.add(newId);
            String groupId = group.groupId;
            ctx.schedule(pendingKey(groupId, newId), sessionTimeout, c -> {
                ClassicGroup g = shard.classicGroup(groupId);
                if (g != null && g.pendingMembers.remove(newId)) {
                    if (g.is(ClassicGroupState.PREPARING_REBALANCE)) {
                        tryCompleteJoin(c, g);
                    } else {
                        dropIfUnused(c, g);
                    }
                }
            });
            JoinGroupResponse resp = new JoinGroupResponse().setErrorCode(ErrorCode.MEMBER_ID_REQUIRED.code())
                    .setMemberId(newId);
            ctx.completeAfterCommit(f, resp);
            return f;
        }
        addMemberAndRebalance(ctx, meta, group, newId, null, rebalanceTimeout, sessionTimeout, protocolType,
                protocols, f);
        return f;
    }

    private CompletableFuture<JoinGroupResponse> joinKnown(WriteContext ctx, RequestMeta meta, ClassicGroup group,
                                                           String memberId, String instanceId, int rebalanceTimeout,
                                                           int sessionTimeout, String protocolType,
                                                           List<ClassicMember.Protocol> protocols,
                                                           CompletableFuture<JoinGroupResponse> f) {
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current != null && !current.equals(memberId)) {
                return joinError(ErrorCode.FENCED_INSTANCE_ID, memberId);
            }
        }
        if (group.pendingMembers.contains(memberId)) {
            ctx.cancel(pendingKey(group.groupId, memberId));
            addMemberAndRebalance(ctx, meta, group, memberId, instanceId, rebalanceTimeout, sessionTimeout,
                    protocolType, protocols, f);
            return f;
        }
        ClassicMember m = group.members.get(memberId);
        if (m == null || group.is(ClassicGroupState.EMPTY)) {
            return joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
        }
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                updateMember(m, meta, rebalanceTimeout, sessionTimeout, protocols);
                park(ctx, group, m, f, meta.apiVersion());
                tryCompleteJoin(ctx, group);
            }
            case COMPLETING_REBALANCE -> {
                if (m.sameProtocols(protocols)) {
                    // The member missed the JoinGroup response: send it again.
                    scheduleHeartbeat(ctx, group, m);
                    ctx.completeAfterCommit(f, joinResponse(group, m, memberId.equals(group.leaderId), false));
                } else {
                    updateMember(m, meta, rebalanceTimeout, sessionTimeout, protocols);
                    park(ctx, group, m, f, meta.apiVersion());
                    prepareRebalance(ctx, group, "member " + memberId + " changed its protocols");
                }
            }
            case STABLE -> {
                if (memberId.equals(group.leaderId) || !m.sameProtocols(protocols)) {
                    updateMember(m, meta, rebalanceTimeout, sessionTimeout, protocols);
                    park(ctx, group, m, f, meta.apiVersion());
                    prepareRebalance(ctx, group, "member " + memberId + " rejoined");
                } else {
                    scheduleHeartbeat(ctx, group, m);
                    ctx.completeAfterCommit(f, joinResponse(group, m, false, false));
                }
            }
            default -> {
                return joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
            }
        }
        return f;
    }

    /** KIP-345: a known static member came back with a new member id. */
    private CompletableFuture<JoinGroupResponse> rejoinStatic(WriteContext ctx, RequestMeta meta, ClassicGroup group,
                                                              String instanceId, String newId, int rebalanceTimeout,
                                                              int sessionTimeout, List<ClassicMember.Protocol> protocols,
                                                              CompletableFuture<JoinGroupResponse> f) {
        String oldId = group.staticMembers.get(instanceId);
        ClassicMember m = group.members.get(oldId);
        if (m.awaitingJoin != null) {
            ctx.completeAfterCommit(m.awaitingJoin, joinErrorResponse(ErrorCode.FENCED_INSTANCE_ID, oldId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            ctx.completeAfterCommit(m.awaitingSync, syncErrorResponse(ErrorCode.FENCED_INSTANCE_ID));
            m.awaitingSync = null;
        }
        ctx.cancel(hbKey(group.groupId, oldId));
        group.replaceStaticMember(instanceId, newId);
        updateMember(m, meta, rebalanceTimeout, sessionTimeout, protocols);
        log.info("{}Static member {} of group {} rejoined with member id {} (was {})", shard.prefix(), instanceId,
                group.groupId, newId, oldId);
        switch (group.state) {
            case STABLE -> {
                // Kafka rebalances only when the group's protocol would change. The subscription bytes may
                // differ (a restarted consumer owns no partitions yet): the v9 leader sees them and decides.
                String next = group.selectProtocol();
                if (group.protocolName == null || !group.protocolName.equals(next)) {
                    park(ctx, group, m, f, meta.apiVersion());
                    prepareRebalance(ctx, group, "static member " + instanceId + " changes the group's protocol");
                } else {
                    ctx.append(GroupRecords.classicGroup(group));
                    scheduleHeartbeat(ctx, group, m);
                    boolean leader = newId.equals(group.leaderId);
                    boolean skip = leader && meta.apiVersion() >= 9;
                    ctx.completeAfterCommit(f, joinResponse(group, m, leader, skip));
                }
            }
            case COMPLETING_REBALANCE -> {
                park(ctx, group, m, f, meta.apiVersion());
                prepareRebalance(ctx, group, "static member " + instanceId + " rejoined during sync");
            }
            case PREPARING_REBALANCE -> {
                park(ctx, group, m, f, meta.apiVersion());
                tryCompleteJoin(ctx, group);
            }
            default -> ctx.completeAfterCommit(f, joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, newId));
        }
        return f;
    }

    private void addMemberAndRebalance(WriteContext ctx, RequestMeta meta, ClassicGroup group, String memberId,
                                       String instanceId, int rebalanceTimeout, int sessionTimeout,
                                       String protocolType, List<ClassicMember.Protocol> protocols,
                                       CompletableFuture<JoinGroupResponse> f) {
        ClassicMember m = new ClassicMember(memberId, instanceId, meta.clientId(), meta.clientHost(),
                rebalanceTimeout, sessionTimeout, protocols);
        m.isNew = true;
        if (group.members.isEmpty()) {
            group.protocolType = protocolType;
        }
        group.add(m);
        group.pendingMembers.remove(memberId);
        group.newMemberAdded = true;
        park(ctx, group, m, f, meta.apiVersion());
        if (group.is(ClassicGroupState.PREPARING_REBALANCE)) {
            tryCompleteJoin(ctx, group);
        } else {
            prepareRebalance(ctx, group, "new member " + memberId + " joined");
        }
    }

    private static void updateMember(ClassicMember m, RequestMeta meta, int rebalanceTimeout, int sessionTimeout,
                                     List<ClassicMember.Protocol> protocols) {
        m.clientId = meta.clientId();
        m.clientHost = meta.clientHost();
        m.rebalanceTimeoutMs = rebalanceTimeout;
        m.sessionTimeoutMs = sessionTimeout;
        m.protocols = protocols;
    }

    private void park(WriteContext ctx, ClassicGroup group, ClassicMember m, CompletableFuture<JoinGroupResponse> f,
                      short version) {
        if (m.awaitingJoin != null && m.awaitingJoin != f) {
            ctx.completeAfterCommit(m.awaitingJoin, joinErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
        }
        m.awaitingJoin = f;
        m.joinVersion = version;
        // While parked in the join phase the rebalance timeout, not the session timeout, bounds the member.
        ctx.cancel(hbKey(group.groupId, m.memberId));
    }

    void prepareRebalance(WriteContext ctx, ClassicGroup group, String reason) {
        if (group.is(ClassicGroupState.COMPLETING_REBALANCE)) {
            for (ClassicMember m : group.members.values()) {
                if (m.awaitingSync != null) {
                    ctx.completeAfterCommit(m.awaitingSync, syncErrorResponse(ErrorCode.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
                m.assignment = EMPTY;
            }
        }
        ctx.cancel(syncKey(group.groupId));
        boolean initial = group.is(ClassicGroupState.EMPTY) && config.initialRebalanceDelayMs() > 0;
        group.transitionTo(ClassicGroupState.PREPARING_REBALANCE, ctx.now());
        log.info("{}Preparing to rebalance group {} in state PreparingRebalance with old generation {} ({})",
                shard.prefix(), group.groupId, group.generationId, reason);
        String groupId = group.groupId;
        int rebalanceTimeout = group.rebalanceTimeoutMs();
        if (initial) {
            int delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeout);
            group.initialDelayRemainingMs = Math.max(rebalanceTimeout - config.initialRebalanceDelayMs(), 0);
            group.newMemberAdded = false;
            ctx.schedule(initialDelayKey(groupId), delay, c -> onInitialDelayExpired(c, groupId));
        } else {
            ctx.schedule(joinKey(groupId), rebalanceTimeout, c -> {
                ClassicGroup g = shard.classicGroup(groupId);
                if (g != null && g.is(ClassicGroupState.PREPARING_REBALANCE)) {
                    completeJoin(c, g);
                }
            });
            tryCompleteJoin(ctx, group);
        }
    }

    private void onInitialDelayExpired(WriteContext ctx, String groupId) {
        ClassicGroup g = shard.classicGroup(groupId);
        if (g == null || !g.is(ClassicGroupState.PREPARING_REBALANCE)) {
            return;
        }
        if (g.newMemberAdded && g.initialDelayRemainingMs > 0) {
            int delay = Math.min(config.initialRebalanceDelayMs(), g.initialDelayRemainingMs);
            g.initialDelayRemainingMs -= delay;
            g.newMemberAdded = false;
            ctx.schedule(initialDelayKey(groupId), delay, c -> onInitialDelayExpired(c, groupId));
        } else {
            completeJoin(ctx, g);
        }
    }

    void tryCompleteJoin(WriteContext ctx, ClassicGroup group) {
        if (group.is(ClassicGroupState.PREPARING_REBALANCE) && !ctx.isScheduled(initialDelayKey(group.groupId))
                && group.allMembersJoined()) {
            completeJoin(ctx, group);
        }
    }

    private void completeJoin(WriteContext ctx, ClassicGroup group) {
        ctx.cancel(joinKey(group.groupId));
        ctx.cancel(initialDelayKey(group.groupId));
        for (ClassicMember m : new ArrayList<>(group.members.values())) {
            if (m.awaitingJoin == null) {
                log.info("{}Removing member {} from group {}: it did not rejoin within the rebalance timeout",
                        shard.prefix(), m.memberId, group.groupId);
                ctx.cancel(hbKey(group.groupId, m.memberId));
                group.remove(m.memberId);
            }
        }
        if (group.members.isEmpty()) {
            // Stored at once; its replay makes the group Empty in the new generation.
            ctx.append(GroupRecords.classicGroup(group, group.generationId + 1, null, null, ctx.now(), m -> EMPTY));
            log.info("{}Group {} with generation {} is now empty", shard.prefix(), group.groupId,
                    group.generationId);
            return;
        }
        // The new generation lives in memory until its assignment is stored at SyncGroup, as in Kafka.
        group.generationId++;
        group.protocolName = group.selectProtocol();
        group.transitionTo(ClassicGroupState.COMPLETING_REBALANCE, ctx.now());
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        log.info("{}Group {} moved to CompletingRebalance in generation {} with {} members (protocol {})",
                shard.prefix(), group.groupId, group.generationId, group.members.size(), group.protocolName);
        for (ClassicMember m : group.members.values()) {
            boolean leader = m.memberId.equals(group.leaderId);
            ctx.completeAfterCommit(m.awaitingJoin, joinResponse(group, m, leader, false));
            m.awaitingJoin = null;
            m.isNew = false;
            scheduleHeartbeat(ctx, group, m);
        }
        String groupId = group.groupId;
        int generation = group.generationId;
        ctx.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), c -> onSyncTimeout(c, groupId, generation));
    }

    private void onSyncTimeout(WriteContext ctx, String groupId, int generation) {
        ClassicGroup g = shard.classicGroup(groupId);
        if (g == null || !g.is(ClassicGroupState.COMPLETING_REBALANCE) || g.generationId != generation) {
            return;
        }
        for (ClassicMember m : new ArrayList<>(g.members.values())) {
            if (m.awaitingSync == null) {
                log.info("{}Removing member {} from group {}: no SyncGroup within the rebalance timeout",
                        shard.prefix(), m.memberId, groupId);
                ctx.cancel(hbKey(groupId, m.memberId));
                g.remove(m.memberId);
            }
        }
        prepareRebalance(ctx, g, "members did not sync in generation " + generation);
    }

    private JoinGroupResponse joinResponse(ClassicGroup group, ClassicMember m, boolean withMembers,
                                           boolean skipAssignment) {
        JoinGroupResponse resp = new JoinGroupResponse()
                .setGenerationId(group.generationId)
                .setProtocolType(group.protocolType)
                .setProtocolName(group.protocolName)
                .setLeader(group.leaderId)
                .setMemberId(m.memberId)
                .setSkipAssignment(skipAssignment);
        if (withMembers) {
            List<JoinGroupResponse.JoinGroupResponseMember> list = new ArrayList<>();
            for (ClassicMember member : group.members.values()) {
                byte[] md = member.metadata(group.protocolName);
                list.add(new JoinGroupResponse.JoinGroupResponseMember().setMemberId(member.memberId)
                        .setGroupInstanceId(member.instanceId).setMetadata(md == null ? EMPTY : md));
            }
            resp.setMembers(list);
        }
        return resp;
    }

    // ---- SyncGroup

    CompletableFuture<SyncGroupResponse> sync(WriteContext ctx, RequestMeta meta, SyncGroupRequest req) {
        short v = meta.apiVersion();
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return syncError(ErrorCode.INVALID_GROUP_ID);
        }
        ClassicGroup group = shard.classicGroup(groupId);
        if (group == null) {
            return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        }
        ErrorCode memberError = validateMember(group, req.memberId(), v >= 3 ? req.groupInstanceId() : null);
        if (memberError != ErrorCode.NONE) {
            return syncError(memberError);
        }
        if (req.generationId() != group.generationId) {
            return syncError(ErrorCode.ILLEGAL_GENERATION);
        }
        if (v >= 5 && ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(group.protocolName)))) {
            return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
        }
        ClassicMember m = group.members.get(req.memberId());
        CompletableFuture<SyncGroupResponse> f = new CompletableFuture<>();
        switch (group.state) {
            case PREPARING_REBALANCE -> {
                return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
            }
            case COMPLETING_REBALANCE -> {
                m.awaitingSync = f;
                scheduleHeartbeat(ctx, group, m);
                if (m.memberId.equals(group.leaderId)) {
                    Map<String, byte[]> assignments = new HashMap<>();
                    for (SyncGroupRequest.SyncGroupRequestAssignment a : req.assignments()) {
                        assignments.put(a.memberId(), a.assignment() == null ? EMPTY : a.assignment());
                    }
                    TypedRecord record = GroupRecords.classicGroup(group, group.generationId, group.protocolName,
                            group.leaderId, ctx.now(), member -> assignments.getOrDefault(member.memberId, EMPTY));
                    if (GroupRecords.sizeInBatch(record) > config.maxRecordBatchBytes()) {
                        refuseOversizedGroup(ctx, group, GroupRecords.sizeInBatch(record));
                        return f;
                    }
                    ctx.cancel(syncKey(groupId));
                    // The replay stores the assignments and makes the group Stable.
                    ctx.append(record);
                    for (ClassicMember member : group.members.values()) {
                        if (member.awaitingSync != null) {
                            ctx.completeAfterCommit(member.awaitingSync, syncResponse(group, member));
                            member.awaitingSync = null;
                        }
                    }
                    log.info("{}Group {} is stable in generation {} with {} members", shard.prefix(), groupId,
                            group.generationId, group.members.size());
                }
            }
            case STABLE -> {
                scheduleHeartbeat(ctx, group, m);
                ctx.completeAfterCommit(f, syncResponse(group, m));
            }
            default -> {
                return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
            }
        }
        return f;
    }

    /**
     * The group's record (members' metadata and assignments) would exceed the largest batch
     * {@code __consumer_offsets} accepts, so it cannot be stored. As Kafka does when storing the assignment
     * fails (its RECORD_LIST_TOO_LARGE is answered UNKNOWN_SERVER_ERROR), every waiting member gets the error,
     * the assignment is dropped and the group rebalances; nothing is written, so other groups are untouched.
     */
    private void refuseOversizedGroup(WriteContext ctx, ClassicGroup group, int recordBytes) {
        log.warn("{}Cannot store the assignment of group {} in generation {}: its record of {} bytes exceeds {} "
                        + "(message.max.bytes)", shard.prefix(), group.groupId, group.generationId, recordBytes,
                config.maxRecordBatchBytes());
        for (ClassicMember member : group.members.values()) {
            member.assignment = EMPTY;
            if (member.awaitingSync != null) {
                ctx.completeAfterCommit(member.awaitingSync, syncErrorResponse(ErrorCode.UNKNOWN_SERVER_ERROR));
                member.awaitingSync = null;
            }
        }
        prepareRebalance(ctx, group, "its assignment of " + recordBytes + " bytes could not be stored");
    }

    private static SyncGroupResponse syncResponse(ClassicGroup group, ClassicMember m) {
        return new SyncGroupResponse().setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setAssignment(m.assignment);
    }

    /** FENCED_INSTANCE_ID for a static member under a stale id, UNKNOWN_MEMBER_ID for a stranger, else NONE. */
    static ErrorCode validateMember(ClassicGroup group, String memberId, String instanceId) {
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current != null && !current.equals(memberId)) {
                return ErrorCode.FENCED_INSTANCE_ID;
            }
        }
        if (memberId == null || !group.members.containsKey(memberId)) {
            return ErrorCode.UNKNOWN_MEMBER_ID;
        }
        return ErrorCode.NONE;
    }

    // ---- Heartbeat

    HeartbeatResponse heartbeat(WriteContext ctx, RequestMeta meta, HeartbeatRequest req) {
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return hbError(ErrorCode.INVALID_GROUP_ID);
        }
        ClassicGroup group = shard.classicGroup(groupId);
        if (group == null) {
            return hbError(ErrorCode.UNKNOWN_MEMBER_ID);
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return hbError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        }
        if (group.is(ClassicGroupState.EMPTY)) {
            return hbError(ErrorCode.UNKNOWN_MEMBER_ID);
        }
        ErrorCode memberError = validateMember(group, req.memberId(),
                meta.apiVersion() >= 3 ? req.groupInstanceId() : null);
        if (memberError != ErrorCode.NONE) {
            return hbError(memberError);
        }
        if (req.generationId() != group.generationId) {
            return hbError(ErrorCode.ILLEGAL_GENERATION);
        }
        scheduleHeartbeat(ctx, group, group.members.get(req.memberId()));
        return hbError(group.is(ClassicGroupState.PREPARING_REBALANCE) ? ErrorCode.REBALANCE_IN_PROGRESS
                : ErrorCode.NONE);
    }

    private static HeartbeatResponse hbError(ErrorCode code) {
        return new HeartbeatResponse().setErrorCode(code.code());
    }

    void scheduleHeartbeat(WriteContext ctx, ClassicGroup group, ClassicMember m) {
        String groupId = group.groupId;
        String memberId = m.memberId;
        ctx.schedule(hbKey(groupId, memberId), m.sessionTimeoutMs, c -> {
            ClassicGroup g = shard.classicGroup(groupId);
            ClassicMember member = g == null ? null : g.members.get(memberId);
            if (member == null || member.awaitingJoin != null) {
                return;
            }
            log.info("{}Member {} in group {} has failed (session timeout {} ms); removing it", shard.prefix(),
                    memberId, groupId, member.sessionTimeoutMs);
            removeMemberAndUpdateGroup(c, g, member);
        });
    }

    // ---- LeaveGroup

    LeaveGroupResponse leave(WriteContext ctx, RequestMeta meta, LeaveGroupRequest req) {
        short v = meta.apiVersion();
        LeaveGroupResponse resp = new LeaveGroupResponse();
        String groupId = req.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return resp.setErrorCode(ErrorCode.INVALID_GROUP_ID.code());
        }
        ClassicGroup group = shard.classicGroup(groupId);
        if (group == null) {
            return resp.setErrorCode(ErrorCode.UNKNOWN_MEMBER_ID.code());
        }
        if (group.is(ClassicGroupState.DEAD)) {
            return resp.setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code());
        }
        List<LeaveGroupRequest.MemberIdentity> identities = v >= 3 ? req.members()
                : List.of(new LeaveGroupRequest.MemberIdentity().setMemberId(req.memberId()));
        List<LeaveGroupResponse.MemberResponse> results = new ArrayList<>();
        for (LeaveGroupRequest.MemberIdentity id : identities) {
            String memberId = id.memberId() == null ? "" : id.memberId();
            ErrorCode error = leaveOne(ctx, group, memberId, id.groupInstanceId(), id.reason());
            results.add(new LeaveGroupResponse.MemberResponse().setMemberId(memberId)
                    .setGroupInstanceId(id.groupInstanceId()).setErrorCode(error.code()));
        }
        if (v >= 3) {
            return resp.setMembers(results);
        }
        return resp.setErrorCode(results.get(0).errorCode());
    }

    private ErrorCode leaveOne(WriteContext ctx, ClassicGroup group, String memberId, String instanceId,
                               String reason) {
        ClassicMember m;
        if (instanceId != null) {
            String current = group.staticMembers.get(instanceId);
            if (current == null) {
                return ErrorCode.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current)) {
                return ErrorCode.FENCED_INSTANCE_ID;
            }
            m = group.members.get(current);
        } else {
            if (group.pendingMembers.remove(memberId)) {
                ctx.cancel(pendingKey(group.groupId, memberId));
                tryCompleteJoin(ctx, group);
                dropIfUnused(ctx, group);
                return ErrorCode.NONE;
            }
            m = group.members.get(memberId);
            if (m == null) {
                return ErrorCode.UNKNOWN_MEMBER_ID;
            }
        }
        log.info("{}Member {} left group {} ({})", shard.prefix(), m.memberId, group.groupId,
                reason == null ? "no reason given" : reason);
        removeMemberAndUpdateGroup(ctx, group, m);
        return ErrorCode.NONE;
    }

    void removeMemberAndUpdateGroup(WriteContext ctx, ClassicGroup group, ClassicMember m) {
        if (m.awaitingJoin != null) {
            ctx.completeAfterCommit(m.awaitingJoin, joinErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            ctx.completeAfterCommit(m.awaitingSync, syncErrorResponse(ErrorCode.UNKNOWN_MEMBER_ID));
            m.awaitingSync = null;
        }
        ctx.cancel(hbKey(group.groupId, m.memberId));
        group.remove(m.memberId);
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(ctx, group, "member " + m.memberId + " left");
            case PREPARING_REBALANCE -> tryCompleteJoin(ctx, group);
            default -> {
            }
        }
    }

    /**
     * Forgets a group that only ever had pending members (KIP-394 joins that never came back) and has no offsets,
     * so that a JoinGroup storm over many group ids leaves no state behind. A group only in memory just goes; one
     * that the log knows of (its offsets were deleted) goes with a tombstone, so that a reload agrees.
     */
    private void dropIfUnused(WriteContext ctx, ClassicGroup group) {
        if (group.isEmpty() && group.generationId == 0 && group.is(ClassicGroupState.EMPTY)
                && !shard.offsets.hasOffsets(group.groupId) && !shard.offsets.hasPending(group.groupId)
                && shard.groups.get(group.groupId) == group) {
            if (group.stored) {
                ctx.append(GroupRecords.classicGroupTombstone(group.groupId));
            } else {
                shard.groups.remove(group.groupId);
            }
        }
    }

    /** The partition is unloaded: answer every parked request with NOT_COORDINATOR. */
    static void failParked(ClassicGroup group) {
        for (ClassicMember m : group.members.values()) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(joinErrorResponse(ErrorCode.NOT_COORDINATOR, m.memberId));
                m.awaitingJoin = null;
            }
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(syncErrorResponse(ErrorCode.NOT_COORDINATOR));
                m.awaitingSync = null;
            }
        }
    }

    // ---- helpers

    static JoinGroupResponse joinErrorResponse(ErrorCode code, String memberId) {
        return new JoinGroupResponse().setErrorCode(code.code()).setMemberId(memberId == null ? "" : memberId)
                .setGenerationId(-1);
    }

    private static CompletableFuture<JoinGroupResponse> joinError(ErrorCode code, String memberId) {
        return CompletableFuture.completedFuture(joinErrorResponse(code, memberId));
    }

    static SyncGroupResponse syncErrorResponse(ErrorCode code) {
        return new SyncGroupResponse().setErrorCode(code.code()).setAssignment(EMPTY);
    }

    private static CompletableFuture<SyncGroupResponse> syncError(ErrorCode code) {
        return CompletableFuture.completedFuture(syncErrorResponse(code));
    }

    static String hbKey(String groupId, String memberId) {
        return "classic-heartbeat:" + groupId + ":" + memberId;
    }

    static String pendingKey(String groupId, String memberId) {
        return "classic-pending:" + groupId + ":" + memberId;
    }

    static String joinKey(String groupId) {
        return "classic-join:" + groupId;
    }

    static String initialDelayKey(String groupId) {
        return "classic-initial-delay:" + groupId;
    }

    static String syncKey(String groupId) {
        return "classic-sync:" + groupId;
    }
}
