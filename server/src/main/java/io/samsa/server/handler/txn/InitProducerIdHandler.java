package io.samsa.server.handler.data;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.ProducerIdBlocks;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId (key 22), v0-5, for idempotent producers: a request without a transactional id gets a new
 * producer id (unique across restarts: {@link ProducerIdBlocks} hands out blocks committed to the metadata log) at
 * epoch 0; the producer id and epoch a v3+ request may carry are ignored, as Kafka does without a transactional
 * id. Transactions do not exist yet: a transactional id gets COORDINATOR_NOT_AVAILABLE, what Kafka answers while
 * no transaction coordinator is available. v6 (KIP-939, unstable) is not served.
 *
 * <p>Never blocks: an id is at hand, or the answer waits for the next block from the controller; the sink hops the
 * answer back to the connection's event loop. Thread-safe.
 */
final class InitProducerIdHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);

    private final ProducerIdBlocks producerIds;

    InitProducerIdHandler(ProducerIdBlocks producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        InitProducerIdRequest req = (InitProducerIdRequest) request;
        if (req.transactionalId() != null) {
            sink.send(new InitProducerIdResponse().setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code())
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
