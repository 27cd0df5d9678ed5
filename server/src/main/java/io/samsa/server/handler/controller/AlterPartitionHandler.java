package io.samsa.server.handler.controller;

import io.samsa.controller.AlterPartitionItem;
import io.samsa.controller.AlterPartitionResult;
import io.samsa.controller.Controller;
import io.samsa.server.cluster.CommitOffsets;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ApiError;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AlterPartitionRequest;
import io.samsa.wire.message.AlterPartitionResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * AlterPartition (key 56, v0-3, KIP-497, KIP-903), on the controller listener: a partition leader's proposed ISRs,
 * answered per partition once the changes are committed (commit offset in {@link CommitOffsets}' tag). Topics by
 * name below v2, by id from v2; members with broker epochs from v3. A stale broker epoch fails the request as a whole
 * ({@code STALE_BROKER_EPOCH}). Below v2 the codes those versions do not know become the ones Kafka gives them:
 * {@code OPERATION_NOT_ATTEMPTED} for an ineligible replica, {@code FENCED_LEADER_EPOCH} for a new leader. Runs on
 * the connection's event loop.
 */
public final class AlterPartitionHandler implements ApiHandler {
    private final Controller controller;

    public AlterPartitionHandler(Controller controller) {
        this.controller = controller;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AlterPartitionRequest req = (AlterPartitionRequest) request;
        short version = ctx.apiVersion();
        controller.alterPartition(req.brokerId(), req.brokerEpoch(), items(req, version)).whenComplete((c, e) -> {
            if (e != null) {
                sink.send(new AlterPartitionResponse().setErrorCode(ApiError.of(e, ctx.logPrefix()).codeValue()));
            } else {
                sink.send(CommitOffsets.set(response(req, version, c.value()), c.offset()));
            }
        });
    }

    /** The request's partitions, in order. */
    public static List<AlterPartitionItem> items(AlterPartitionRequest req, short version) {
        List<AlterPartitionItem> items = new ArrayList<>();
        for (AlterPartitionRequest.TopicData t : req.topics()) {
            for (AlterPartitionRequest.PartitionData p : t.partitions()) {
                List<AlterPartitionItem.IsrMember> isr = new ArrayList<>();
                if (version >= 3) {
                    for (AlterPartitionRequest.BrokerState b : p.newIsrWithEpochs()) {
                        isr.add(new AlterPartitionItem.IsrMember(b.brokerId(), b.brokerEpoch()));
                    }
                } else {
                    for (int b : p.newIsr()) {
                        isr.add(new AlterPartitionItem.IsrMember(b, -1));
                    }
                }
                items.add(new AlterPartitionItem(version >= 2 ? t.topicId() : null, version >= 2 ? null
                        : t.topicName(), p.partitionIndex(), p.leaderEpoch(), p.partitionEpoch(), isr,
                        version >= 1 ? p.leaderRecoveryState() : 0));
            }
        }
        return items;
    }

    /** The answer, grouped by topic as the request was. */
    static AlterPartitionResponse response(AlterPartitionRequest req, short version,
                                           List<AlterPartitionResult> results) {
        Iterator<AlterPartitionResult> it = results.iterator();
        List<AlterPartitionResponse.TopicData> topics = new ArrayList<>();
        for (AlterPartitionRequest.TopicData t : req.topics()) {
            List<AlterPartitionResponse.PartitionData> partitions = new ArrayList<>();
            for (int i = 0; i < t.partitions().size(); i++) {
                AlterPartitionResult r = it.next();
                ErrorCode code = r.error();
                if (version < 2 && code == ErrorCode.INELIGIBLE_REPLICA) {
                    code = ErrorCode.OPERATION_NOT_ATTEMPTED;
                } else if (version < 2 && code == ErrorCode.NEW_LEADER_ELECTED) {
                    code = ErrorCode.FENCED_LEADER_EPOCH;
                }
                AlterPartitionResponse.PartitionData p = new AlterPartitionResponse.PartitionData()
                        .setPartitionIndex(r.partition()).setErrorCode(code.code());
                if (code == ErrorCode.NONE) {
                    p.setLeaderId(r.leader()).setLeaderEpoch(r.leaderEpoch()).setIsr(r.isr())
                            .setLeaderRecoveryState(r.leaderRecoveryState()).setPartitionEpoch(r.partitionEpoch());
                }
                partitions.add(p);
            }
            topics.add(new AlterPartitionResponse.TopicData().setTopicId(t.topicId()).setTopicName(t.topicName())
                    .setPartitions(partitions));
        }
        return new AlterPartitionResponse().setErrorCode(ErrorCode.NONE.code()).setTopics(topics);
    }
}
