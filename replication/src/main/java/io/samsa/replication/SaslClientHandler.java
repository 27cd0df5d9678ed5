package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.ReferenceCountUtil;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.SaslAuthenticateRequest;
import io.samsa.wire.message.SaslAuthenticateResponse;
import io.samsa.wire.message.SaslHandshakeRequest;
import io.samsa.wire.message.SaslHandshakeResponse;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of SASL on one of the broker's own connections (KIP-43, KIP-152): once the connection is active
 * (and, over TLS, once the handshake is done: the {@code SslHandler} holds writes until then) it sends SaslHandshake
 * v1 with its mechanism, then SaslAuthenticate v2 requests carrying {@link SaslClientExchange}'s tokens until the
 * exchange completes. Meanwhile the channel's own requests are held, in order, and go out once authenticated; then
 * the handler leaves the pipeline. A step the exchange computes elsewhere ({@link SaslClientExchange#evaluateAsync})
 * resumes on the channel's event loop.
 *
 * <p>A refused mechanism or credential, or a server token that breaks the mechanism, is logged at ERROR with the
 * server's message, fails the held requests and is fired as a {@link SamsaException} of SASL_AUTHENTICATION_FAILED
 * (or UNSUPPORTED_SASL_MECHANISM) before the connection is closed: {@link NettyBrokerChannel} fails its requests
 * with it and backs off before it connects again.
 *
 * <p>With a session lifetime in the answer (KIP-368, {@code connections.max.reauth.ms} on the server), the
 * connection is closed at 85-95% of it, and the next request opens and authenticates a new one (Kafka's client
 * re-authenticates the open connection instead).
 *
 * <p>Not thread-safe: one per connection, on its event loop. Sits after the frame decoder: reads response frames.
 */
public final class SaslClientHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(SaslClientHandler.class);
    static final short HANDSHAKE_VERSION = 1;
    static final short AUTHENTICATE_VERSION = 2;

    private enum State { HANDSHAKE, AUTHENTICATE, DONE, FAILED }

    private final SaslClientExchange exchange;
    private final String clientId;
    private final String peer;
    private PendingWriteQueue held;
    private State state = State.HANDSHAKE;
    private boolean started;
    private int correlationId = -1;
    /** Whether the exchange is computing its next token elsewhere: no answer is due from the server meanwhile. */
    private boolean computing;

    /**
     * @param exchange the mechanism's exchange, fresh for this connection
     * @param clientId the client id of the SASL requests
     * @param peer     the other node, for logs ({@code host:port})
     */
    public SaslClientHandler(SaslClientExchange exchange, String clientId, String peer) {
        this.exchange = exchange;
        this.clientId = clientId;
        this.peer = peer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        held = new PendingWriteQueue(ctx);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (!started) {
            started = true;
            send(ctx, new SaslHandshakeRequest().setMechanism(exchange.mechanism()), HANDSHAKE_VERSION);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (state == State.DONE) {
            ctx.write(msg, promise);
        } else if (state == State.FAILED) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new SamsaException(ErrorCode.SASL_AUTHENTICATION_FAILED, "SASL authentication to "
                    + peer + " failed"));
        } else {
            held.add(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (state == State.DONE) {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DONE) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (state != State.FAILED) {
                onResponse(ctx, frame);
            }
        } catch (RuntimeException e) {
            fail(ctx, ErrorCode.SASL_AUTHENTICATION_FAILED, "cannot read the answer: " + e);
        } finally {
            frame.release();
        }
    }

    private void onResponse(ChannelHandlerContext ctx, ByteBuf frame) {
        int id = frame.getInt(frame.readerIndex());
        if (id != correlationId || computing) {
            fail(ctx, ErrorCode.SASL_AUTHENTICATION_FAILED, "an answer with correlation id " + id + (computing
                    ? " while no answer was due" : " (expected " + correlationId + ")"));
            return;
        }
        if (state == State.HANDSHAKE) {
            SaslHandshakeResponse r = (SaslHandshakeResponse) BrokerFraming.readResponse(
                    ApiMessageType.SASL_HANDSHAKE, HANDSHAKE_VERSION, frame);
            if (r.errorCode() != ErrorCode.NONE.code()) {
                fail(ctx, ErrorCode.forCode(r.errorCode()), "the listener does not enable " + exchange.mechanism()
                        + " (it enables " + r.mechanisms() + ")");
                return;
            }
            state = State.AUTHENTICATE;
            sendToken(ctx, exchange.first());
            return;
        }
        SaslAuthenticateResponse r = (SaslAuthenticateResponse) BrokerFraming.readResponse(
                ApiMessageType.SASL_AUTHENTICATE, AUTHENTICATE_VERSION, frame);
        if (r.errorCode() != ErrorCode.NONE.code()) {
            fail(ctx, ErrorCode.forCode(r.errorCode()), r.errorMessage() == null
                    ? ErrorCode.forCode(r.errorCode()).defaultMessage() : r.errorMessage());
            return;
        }
        CompletableFuture<byte[]> step = exchange.evaluateAsync(r.authBytes());
        long sessionLifetimeMs = r.sessionLifetimeMs();
        if (step.isDone()) {
            afterStep(ctx, step, sessionLifetimeMs);
            return;
        }
        // The exchange computes elsewhere (SCRAM's salted password): resume on this channel's event loop.
        computing = true;
        step.whenComplete((next, e) -> {
            try {
                ctx.executor().execute(() -> {
                    computing = false;
                    try {
                        afterStep(ctx, step, sessionLifetimeMs);
                    } catch (RuntimeException ex) {
                        fail(ctx, ErrorCode.SASL_AUTHENTICATION_FAILED, "cannot go on: " + ex);
                    }
                });
            } catch (RejectedExecutionException stopped) {
                log.debug("The event loop of the connection to {} stopped during SASL authentication", peer);
            }
        });
    }

    /** Goes on with the exchange once {@code step}, the client's next token, is done; on the event loop. */
    private void afterStep(ChannelHandlerContext ctx, CompletableFuture<byte[]> step, long sessionLifetimeMs) {
        if (state != State.AUTHENTICATE || !ctx.channel().isActive()) {
            return;
        }
        byte[] next;
        try {
            next = step.join();
        } catch (CompletionException e) {
            fail(ctx, ErrorCode.SASL_AUTHENTICATION_FAILED, e.getCause() instanceof IllegalStateException
                    ? e.getCause().getMessage() : "the exchange failed: " + e.getCause());
            return;
        }
        if (next != null) {
            sendToken(ctx, next);
        } else if (exchange.complete()) {
            authenticated(ctx, sessionLifetimeMs);
        } else {
            fail(ctx, ErrorCode.SASL_AUTHENTICATION_FAILED, "the exchange ended before the server was verified");
        }
    }

    private void authenticated(ChannelHandlerContext ctx, long sessionLifetimeMs) {
        state = State.DONE;
        log.debug("Authenticated to {} as {} with {}", peer, exchange.user(), exchange.mechanism());
        if (sessionLifetimeMs > 0) {
            long closeInMs = (long) (sessionLifetimeMs * ThreadLocalRandom.current().nextDouble(0.85, 0.95));
            ctx.executor().schedule(() -> {
                log.debug("Closing the connection to {}: its SASL session ends in {} ms", peer,
                        sessionLifetimeMs - closeInMs);
                ctx.channel().close();
            }, closeInMs, TimeUnit.MILLISECONDS);
        }
        held.removeAndWriteAll();
        ctx.flush();
        ctx.pipeline().remove(this);
    }

    private void sendToken(ChannelHandlerContext ctx, byte[] token) {
        send(ctx, new SaslAuthenticateRequest().setAuthBytes(token), AUTHENTICATE_VERSION);
    }

    private void send(ChannelHandlerContext ctx, Message request, short version) {
        correlationId++;
        ctx.writeAndFlush(BrokerFraming.encode(ctx.alloc(), ApiMessageType.fromId(request.apiKey()), version,
                correlationId, clientId, request));
    }

    private void fail(ChannelHandlerContext ctx, ErrorCode code, String reason) {
        state = State.FAILED;
        String message = "SASL authentication to " + peer + " as " + exchange.user() + " with "
                + exchange.mechanism() + " failed: " + reason;
        log.error("{} ({})", message, code);
        SamsaException e = new SamsaException(code, message);
        held.removeAndFailAll(e);
        ctx.fireExceptionCaught(e);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE && !held.isEmpty()) {
            held.removeAndFailAll(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "The connection to " + peer
                    + " closed during SASL authentication"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!held.isEmpty()) {
            held.removeAndFailAll(new SamsaException(ErrorCode.NETWORK_EXCEPTION, "SASL authentication to " + peer
                    + " did not complete"));
        }
    }
}
