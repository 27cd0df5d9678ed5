package io.samsa.server.handler.txn;

import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.metadata.MetadataImage;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.group.CoordinatorCallHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.ProducerIdBlocks;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.protocol.Message;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId (key 22), v0-5. A request without a transactional id (an idempotent producer) gets a new producer id
 * (unique across restarts: {@link ProducerIdBlocks} hands out blocks committed to the metadata log) at epoch 0; the
 * producer id and epoch a v3+ request may carry are ignored, as Kafka does without a transactional id. A transactional
 * id goes to its transaction coordinator ({@link TransactionCoordinator#initProducerId}: the epoch bump, the fencing
 * of zombies, the recovery of an ongoing transaction). v6 (KIP-939, two-phase commit, unstable) is not served.
 *
 * <p>Never blocks: an id is at hand, or the answer waits for the next block from the controller, or for the
 * coordinator's write; the sink hops the answer back to the connection's event loop. Before {@code
 * __transaction_state} exists (FindCoordinator creates it) a transactional id gets COORDINATOR_NOT_AVAILABLE: no
 * coordinator exists yet. Thread-safe.
 */
final class InitProducerIdHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);

    private final ProducerIdBlocks producerIds;
    private final TransactionCoordinator coordinator;
    private final Supplier<MetadataImage> image;

    InitProducerIdHandler(ProducerIdBlocks producerIds, TransactionCoordinator coordinator,
                          Supplier<MetadataImage> image) {
        this.producerIds = producerIds;
        this.coordinator = coordinator;
        this.image = image;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        InitProducerIdRequest req = (InitProducerIdRequest) request;
        if (req.transactionalId() != null) {
            if (image.get().topic(TransactionCoordinator.TOPIC) == null) {
                // No transaction coordinator exists before FindCoordinator creates __transaction_state.
                sink.send(new InitProducerIdResponse().setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code())
                        .setProducerId(-1).setProducerEpoch((short) -1));
                return;
            }
            CoordinatorCallHandler.call(ctx, sink, () -> coordinator.initProducerId(CoordinatorCallHandler.meta(ctx),
                    req), () -> new InitProducerIdResponse().setErrorCode(ErrorCode.UNKNOWN_SERVER_ERROR.code())
                    .setProducerId(-1).setProducerEpoch((short) -1));
            return;
        }
        producerIds.nextId().whenComplete((id, failure) -> {
            InitProducerIdResponse resp = new InitProducerIdResponse();
            if (failure == null) {
                resp.setProducerId(id).setProducerEpoch((short) 0);
            } else {
                log.error("{}Cannot allocate a producer id", ctx.logPrefix(), failure);
                resp.setErrorCode(ErrorCode.UNKNOWN_SERVER_ERROR.code()).setProducerId(-1)
                        .setProducerEpoch((short) -1);
            }
            sink.send(resp);
        });
    }
}
