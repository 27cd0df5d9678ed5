package io.samsa.server.handler.group;

import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.server.BrokerServices;
import io.samsa.server.coordinator.GroupCoordinatorService;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.wire.message.ConsumerGroupDescribeRequest;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.ConsumerGroupHeartbeatRequest;
import io.samsa.wire.message.ConsumerGroupHeartbeatResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.DeleteGroupsResponse;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.DescribeGroupsResponse;
import io.samsa.wire.message.HeartbeatRequest;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupRequest;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.ListGroupsRequest;
import io.samsa.wire.message.ListGroupsResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.OffsetDeleteResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the group APIs' handlers in the broker's API table and starts the group coordinator. Called once
 * at start-up, after the ReplicaManager listens to metadata, so that a partition exists before the
 * coordinator loads it; the caller closes the returned service at shutdown, after the listeners stop and
 * before the partitions close.
 */
public final class GroupApis {
    private static final Logger log = LoggerFactory.getLogger(GroupApis.class);

    private GroupApis() {
    }

    /** Registers the handlers and starts the coordinator; returns it for the broker to close. */
    public static GroupCoordinatorService register(SupportedApis.Builder apis, BrokerServices services) {
        GroupCoordinatorService service = new GroupCoordinatorService(services);
        service.start().whenComplete((v, e) -> {
            if (e != null) {
                log.error("The group coordinator could not follow metadata", e);
            }
        });
        GroupCoordinator gc = service.coordinator();

        apis.add(FindCoordinatorRequest.API_KEY, 0, 6, new FindCoordinatorHandler(services, gc, null));
        apis.add(JoinGroupRequest.API_KEY, 0, 9, new CoordinatorCallHandler<>(JoinGroupRequest.class, gc::joinGroup,
                (r, c) -> new JoinGroupResponse().setErrorCode(c).setMemberId(r.memberId())));
        apis.add(SyncGroupRequest.API_KEY, 0, 5, new CoordinatorCallHandler<>(SyncGroupRequest.class, gc::syncGroup,
                (r, c) -> new SyncGroupResponse().setErrorCode(c).setAssignment(new byte[0])));
        apis.add(HeartbeatRequest.API_KEY, 0, 4, new CoordinatorCallHandler<>(HeartbeatRequest.class, gc::heartbeat,
                (r, c) -> new HeartbeatResponse().setErrorCode(c)));
        apis.add(LeaveGroupRequest.API_KEY, 0, 5, new CoordinatorCallHandler<>(LeaveGroupRequest.class,
                gc::leaveGroup, (r, c) -> new LeaveGroupResponse().setErrorCode(c)));
        apis.add(OffsetCommitRequest.API_KEY, 2, 10, new CoordinatorCallHandler<>(OffsetCommitRequest.class,
                gc::commitOffsets, (r, c) -> new OffsetCommitResponse()));
        apis.add(OffsetFetchRequest.API_KEY, 1, 10, new CoordinatorCallHandler<>(OffsetFetchRequest.class,
                gc::fetchOffsets, (r, c) -> new OffsetFetchResponse().setErrorCode(c)));
        apis.add(OffsetDeleteRequest.API_KEY, 0, 0, new CoordinatorCallHandler<>(OffsetDeleteRequest.class,
                gc::deleteOffsets, (r, c) -> new OffsetDeleteResponse().setErrorCode(c)));
        apis.add(ListGroupsRequest.API_KEY, 0, 5, new CoordinatorCallHandler<>(ListGroupsRequest.class,
                gc::listGroups, (r, c) -> new ListGroupsResponse().setErrorCode(c)));
        apis.add(DescribeGroupsRequest.API_KEY, 0, 6, new CoordinatorCallHandler<>(DescribeGroupsRequest.class,
                gc::describeGroups, (r, c) -> new DescribeGroupsResponse()));
        apis.add(DeleteGroupsRequest.API_KEY, 0, 3, new CoordinatorCallHandler<>(DeleteGroupsRequest.class,
                gc::deleteGroups, (r, c) -> new DeleteGroupsResponse()));
        if (gc.config().consumerProtocolEnabled()) {
            apis.add(ConsumerGroupHeartbeatRequest.API_KEY, 0, 1, new CoordinatorCallHandler<>(
                    ConsumerGroupHeartbeatRequest.class, gc::consumerGroupHeartbeat,
                    (r, c) -> new ConsumerGroupHeartbeatResponse().setErrorCode(c)));
            apis.add(ConsumerGroupDescribeRequest.API_KEY, 0, 1, new CoordinatorCallHandler<>(
                    ConsumerGroupDescribeRequest.class, gc::consumerGroupDescribe,
                    (r, c) -> new ConsumerGroupDescribeResponse()));
        }
        return service;
    }

    /** FindCoordinator for group and transaction keys, once the broker runs a transaction coordinator too. */
    public static ApiHandler findCoordinator(BrokerServices services, GroupCoordinator groups,
                                             TransactionCoordinator transactions) {
        return new FindCoordinatorHandler(services, groups, transactions);
    }
}
