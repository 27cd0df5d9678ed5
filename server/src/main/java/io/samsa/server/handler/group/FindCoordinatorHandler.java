package io.samsa.server.handler.group;

import io.samsa.metadata.BrokerRegistration;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.Endpoint;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.server.BrokerServices;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.InternalTopics;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.FindCoordinatorResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator (API 10), all versions; v4+ (KIP-699) answers several keys at once. A GROUP key's
 * coordinator is the leader of its {@code __consumer_offsets} partition, a TRANSACTION key's the leader of its
 * {@code __transaction_state} partition, as the broker's metadata image names it now (a coordinator that moved is
 * found again: the old one answers NOT_COORDINATOR and the client asks here). Each topic is created on first use with
 * its {@code offsets.topic.*} or {@code transaction.state.log.*} settings, compacted ({@link InternalTopics}), but
 * not while fewer brokers are live than its replication factor; COORDINATOR_NOT_AVAILABLE until it has a live
 * leader. Without a transaction coordinator, TRANSACTION keys get COORDINATOR_NOT_AVAILABLE. Called on
 * the connection's event loop; never blocks (the topic creation completes in the background).
 */
final class FindCoordinatorHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(FindCoordinatorHandler.class);
    private static final byte GROUP = 0;
    private static final byte TRANSACTION = 1;

    private final BrokerServices services;
    private final GroupCoordinator coordinator;
    private final TransactionCoordinator transactions;
    private final AtomicBoolean creatingOffsets = new AtomicBoolean();
    private final AtomicBoolean creatingTransactions = new AtomicBoolean();

    /** {@code transactions}: null when the broker runs no transaction coordinator. */
    FindCoordinatorHandler(BrokerServices services, GroupCoordinator coordinator, TransactionCoordinator transactions) {
        this.services = services;
        this.coordinator = coordinator;
        this.transactions = transactions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        FindCoordinatorRequest req = (FindCoordinatorRequest) request;
        short v = ctx.apiVersion();
        byte keyType = v >= 1 ? req.keyType() : GROUP;
        List<String> keys = v >= 4 ? req.coordinatorKeys() : List.of(req.key() == null ? "" : req.key());
        List<FindCoordinatorResponse.Coordinator> out = new ArrayList<>();
        for (String key : keys) {
            out.add(find(ctx, keyType, key));
        }
        FindCoordinatorResponse resp = new FindCoordinatorResponse();
        if (v >= 4) {
            resp.setCoordinators(out);
        } else {
            FindCoordinatorResponse.Coordinator c = out.get(0);
            resp.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage()).setNodeId(c.nodeId())
                    .setHost(c.host()).setPort(c.port());
        }
        sink.send(resp);
    }

    private FindCoordinatorResponse.Coordinator find(RequestContext ctx, byte keyType, String key) {
        FindCoordinatorResponse.Coordinator c = new FindCoordinatorResponse.Coordinator().setKey(key).setNodeId(-1)
                .setHost("").setPort(-1);
        if (keyType == TRANSACTION && transactions == null) {
            return error(c, ErrorCode.COORDINATOR_NOT_AVAILABLE, "No transaction coordinator is available");
        }
        if (keyType != GROUP && keyType != TRANSACTION) {
            return error(c, ErrorCode.INVALID_REQUEST, "Unknown coordinator key type " + keyType);
        }
        boolean group = keyType == GROUP;
        if (key.isEmpty()) {
            return error(c, ErrorCode.INVALID_REQUEST, group ? "The group id must not be empty"
                    : "The transactional id must not be empty");
        }
        String internal = group ? GroupCoordinator.TOPIC : TransactionCoordinator.TOPIC;
        MetadataImage image = services.metadata().image();
        TopicImage topic = image.topic(internal);
        if (topic == null) {
            CreateTopicRequest req = InternalTopics.creationRequest(internal, services.config());
            String shortOf = InternalTopics.shortOfBrokers(req, image.liveBrokerCount());
            if (shortOf != null) {
                return error(c, ErrorCode.COORDINATOR_NOT_AVAILABLE, shortOf);
            }
            createTopic(req, group ? creatingOffsets : creatingTransactions);
            return error(c, ErrorCode.COORDINATOR_NOT_AVAILABLE, internal + " is being created");
        }
        PartitionRegistration p = topic.partition(group ? coordinator.partitionFor(key)
                : transactions.partitionFor(key));
        BrokerRegistration broker = p == null || !image.isLive(p.leader()) ? null : image.broker(p.leader());
        Endpoint e = broker == null ? null : broker.listener(ctx.listenerName());
        if (e == null) {
            return error(c, ErrorCode.COORDINATOR_NOT_AVAILABLE, "The coordinator of " + (group ? "group "
                    : "transactional id ") + key + " has no leader on listener " + ctx.listenerName());
        }
        return c.setNodeId(broker.nodeId()).setHost(e.host()).setPort(e.port()).setErrorCode((short) 0);
    }

    private static FindCoordinatorResponse.Coordinator error(FindCoordinatorResponse.Coordinator c, ErrorCode code,
                                                            String message) {
        return c.setErrorCode(code.code()).setErrorMessage(message);
    }

    private void createTopic(CreateTopicRequest req, AtomicBoolean creating) {
        if (!creating.compareAndSet(false, true)) {
            return;
        }
        String name = req.name();
        services.metadata().whenPublished(services.metadata().controller().createTopics(List.of(req), false))
                .whenComplete((results, err) -> {
                    creating.set(false);
                    if (err != null) {
                        log.warn("Could not create {}: {}", name, err.toString());
                    } else if (results.get(0).error() != ErrorCode.NONE
                            && results.get(0).error() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                        log.warn("Could not create {}: {} {}", name, results.get(0).error(),
                                results.get(0).errorMessage());
                    } else {
                        log.info("Created {} with {} partitions", name, req.numPartitions());
                    }
                });
    }
}
