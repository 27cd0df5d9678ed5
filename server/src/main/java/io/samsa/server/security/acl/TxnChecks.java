package io.samsa.server.security.acl;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.AddPartitionsToTxnResponse;
import io.samsa.wire.message.ConsumerGroupDescribeRequest;
import io.samsa.wire.message.ConsumerGroupDescribeResponse;
import io.samsa.wire.message.DeleteGroupsRequest;
import io.samsa.wire.message.DeleteGroupsResponse;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.ListTransactionsResponse;
import io.samsa.wire.message.OffsetDeleteRequest;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.TxnOffsetCommitResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks of the transaction APIs and the remaining group APIs (see {@link AclChecks}): AddPartitionsToTxn,
 * TxnOffsetCommit, DescribeTransactions, ListTransactions, DeleteGroups, OffsetDelete and ConsumerGroupDescribe.
 * Stateless; runs on the connection's event loop.
 */
final class TxnChecks {
    private TxnChecks() {
    }

    static ApiHandler handler(short apiKey, ApiHandler inner, AclAuthorizer a) {
        return switch (apiKey) {
            case 24 -> (ctx, req, sink) -> addPartitions(ctx, (AddPartitionsToTxnRequest) req, sink, inner, a);
            case 28 -> (ctx, req, sink) -> txnOffsetCommit(ctx, (TxnOffsetCommitRequest) req, sink, inner, a);
            case 65 -> (ctx, req, sink) -> {
                DescribeTransactionsRequest r = (DescribeTransactionsRequest) req;
                List<DescribeTransactionsResponse.TransactionState> denied = new ArrayList<>();
                r.transactionalIds().removeIf(id -> {
                    if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, id)) {
                        return false;
                    }
                    denied.add(new DescribeTransactionsResponse.TransactionState().setTransactionalId(id)
                            .setErrorCode(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()).setTransactionState("")
                            .setTransactionStartTimeMs(-1).setProducerId(-1).setProducerEpoch((short) -1)
                            .setTopics(new ArrayList<>()));
                    return true;
                });
                ResourceChecks.answer(ctx, req, sink, inner, denied.isEmpty(), r.transactionalIds().isEmpty(),
                        () -> new DescribeTransactionsResponse().setTransactionStates(denied),
                        resp -> ((DescribeTransactionsResponse) resp).transactionStates().addAll(denied));
            };
            case 66 -> (ctx, req, sink) -> inner.handle(ctx, req, ResourceChecks.edit(sink, resp ->
                    ((ListTransactionsResponse) resp).transactionStates().removeIf(t -> !a.authorize(ctx,
                            AclOperation.DESCRIBE, AclResourceType.TRANSACTIONAL_ID, t.transactionalId()))));
            case 42 -> (ctx, req, sink) -> {
                DeleteGroupsRequest r = (DeleteGroupsRequest) req;
                List<DeleteGroupsResponse.DeletableGroupResult> denied = new ArrayList<>();
                r.groupsNames().removeIf(g -> {
                    if (a.authorize(ctx, AclOperation.DELETE, AclResourceType.GROUP, g)) {
                        return false;
                    }
                    denied.add(new DeleteGroupsResponse.DeletableGroupResult().setGroupId(g)
                            .setErrorCode(ErrorCode.GROUP_AUTHORIZATION_FAILED.code()));
                    return true;
                });
                ResourceChecks.answer(ctx, req, sink, inner, denied.isEmpty(), r.groupsNames().isEmpty(),
                        () -> new DeleteGroupsResponse().setResults(denied),
                        resp -> ((DeleteGroupsResponse) resp).results().addAll(denied));
            };
            case 47 -> (ctx, req, sink) -> {
                String g = ((OffsetDeleteRequest) req).groupId();
                if (a.authorize(ctx, AclOperation.DELETE, AclResourceType.GROUP, g)) {
                    inner.handle(ctx, req, sink);
                } else {
                    AclChecks.deny(ctx, apiKey, req, sink, ErrorCode.GROUP_AUTHORIZATION_FAILED, "DELETE on group " + g);
                }
            };
            case 69 -> (ctx, req, sink) -> {
                ConsumerGroupDescribeRequest r = (ConsumerGroupDescribeRequest) req;
                List<ConsumerGroupDescribeResponse.DescribedGroup> denied = new ArrayList<>();
                r.groupIds().removeIf(g -> {
                    if (a.authorize(ctx, AclOperation.DESCRIBE, AclResourceType.GROUP, g)) {
                        return false;
                    }
                    denied.add(new ConsumerGroupDescribeResponse.DescribedGroup().setGroupId(g).setGroupState("")
                            .setAssignorName("").setErrorCode(ErrorCode.GROUP_AUTHORIZATION_FAILED.code())
                            .setAuthorizedOperations(Integer.MIN_VALUE));
                    return true;
                });
                boolean ops = r.includeAuthorizedOperations();
                ResourceChecks.answer(ctx, req, sink, inner, denied.isEmpty() && !ops, r.groupIds().isEmpty(),
                        () -> new ConsumerGroupDescribeResponse().setGroups(denied), resp -> {
                            List<ConsumerGroupDescribeResponse.DescribedGroup> groups =
                                    ((ConsumerGroupDescribeResponse) resp).groups();
                            if (ops) {
                                for (ConsumerGroupDescribeResponse.DescribedGroup d : groups) {
                                    d.setAuthorizedOperations(a.authorizedOperations(ctx, AclResourceType.GROUP,
                                            d.groupId()));
                                }
                            }
                            groups.addAll(denied);
                        });
            };
            default -> null;
        };
    }

    private static void addPartitions(RequestContext ctx, AddPartitionsToTxnRequest req, ResponseSink sink,
                                      ApiHandler inner, AclAuthorizer a) {
        if (ctx.apiVersion() >= 4) {
            // v4+ (KIP-890): brokers verify transactions for each other in batches.
            if (a.authorize(ctx, AclOperation.CLUSTER_ACTION, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) {
                inner.handle(ctx, req, sink);
            } else {
                sink.send(new AddPartitionsToTxnResponse().setErrorCode(
                        ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code()));
            }
            return;
        }
        boolean txn = a.authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID,
                req.v3AndBelowTransactionalId());
        boolean anyDenied = !txn;
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : req.v3AndBelowTopics()) {
            anyDenied |= !a.authorize(ctx, AclOperation.WRITE, AclResourceType.TOPIC, t.name());
        }
        if (!anyDenied) {
            inner.handle(ctx, req, sink);
            return;
        }
        // Kafka answers every partition: the denied ones with their error, the rest OPERATION_NOT_ATTEMPTED.
        List<AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult> topics = new ArrayList<>();
        for (AddPartitionsToTxnRequest.AddPartitionsToTxnTopic t : req.v3AndBelowTopics()) {
            ErrorCode code = !txn ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                    : a.authorize(ctx, AclOperation.WRITE, AclResourceType.TOPIC, t.name())
                    ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            List<AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult> parts = new ArrayList<>();
            for (int p : t.partitions()) {
                parts.add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult().setPartitionIndex(p)
                        .setPartitionErrorCode(code.code()));
            }
            topics.add(new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName(t.name())
                    .setResultsByPartition(parts));
        }
        sink.send(new AddPartitionsToTxnResponse().setResultsByTopicV3AndBelow(topics));
    }

    private static void txnOffsetCommit(RequestContext ctx, TxnOffsetCommitRequest req, ResponseSink sink,
                                        ApiHandler inner, AclAuthorizer a) {
        ErrorCode whole = !a.authorize(ctx, AclOperation.WRITE, AclResourceType.TRANSACTIONAL_ID,
                req.transactionalId()) ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                : !a.authorize(ctx, AclOperation.READ, AclResourceType.GROUP, req.groupId())
                ? ErrorCode.GROUP_AUTHORIZATION_FAILED : null;
        List<TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic> denied = new ArrayList<>();
        req.topics().removeIf(t -> {
            ErrorCode code = whole != null ? whole
                    : a.authorize(ctx, AclOperation.READ, AclResourceType.TOPIC, t.name()) ? null
                    : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            if (code == null) {
                return false;
            }
            List<TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition> parts = new ArrayList<>();
            for (TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition p : t.partitions()) {
                parts.add(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(code.code()));
            }
            denied.add(new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic().setName(t.name())
                    .setTopicId(t.topicId()).setPartitions(parts));
            return true;
        });
        ResourceChecks.answer(ctx, req, sink, inner, denied.isEmpty(), req.topics().isEmpty(),
                () -> new TxnOffsetCommitResponse().setTopics(denied),
                resp -> ((TxnOffsetCommitResponse) resp).topics().addAll(denied));
    }
}
