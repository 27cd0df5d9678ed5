package io.samsa.server.handler.data;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.partition.ProducerIdAllocator;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InitProducerId (key 22), v0-5, for idempotent producers: a request without a transactional id gets a new
 * producer id (unique across restarts, from {@link ProducerIdAllocator}) at epoch 0; the producer id and epoch a
 * v3+ request may carry are ignored, as Kafka does without a transactional id. Transactions do not exist yet: a
 * transactional id gets COORDINATOR_NOT_AVAILABLE, what Kafka answers while no transaction coordinator is
 * available. v6 (KIP-939, unstable) is not served.
 *
 * <p>The allocation may fsync (once per block of ids), so it runs on the background executor; the sink hops the
 * answer back. Thread-safe.
 */
final class InitProducerIdHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(InitProducerIdHandler.class);

    private final Supplier<ProducerIdAllocator> allocator;
    private final Executor background;

    InitProducerIdHandler(Supplier<ProducerIdAllocator> allocator, Executor background) {
        this.allocator = allocator;
        this.background = background;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        InitProducerIdRequest req = (InitProducerIdRequest) request;
        if (req.transactionalId() != null) {
            sink.send(new InitProducerIdResponse().setErrorCode(ErrorCode.COORDINATOR_NOT_AVAILABLE.code())
                    .setProducerId(-1).setProducerEpoch((short) -1));
            return;
        }
        background.execute(() -> {
            InitProducerIdResponse resp = new InitProducerIdResponse();
            try {
                resp.setProducerId(allocator.get().nextId()).setProducerEpoch((short) 0);
            } catch (Exception e) {
                log.error("{}Cannot allocate a producer id", ctx.logPrefix(), e);
                resp.setErrorCode(ErrorCode.UNKNOWN_SERVER_ERROR.code()).setProducerId(-1)
                        .setProducerEpoch((short) -1);
            }
            sink.send(resp);
        });
    }
}
