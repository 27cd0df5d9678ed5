package io.samsa.server.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.security.Principal;
import io.samsa.server.security.sasl.SaslAuthenticator;
import io.samsa.server.security.quota.RequestThrottler;
import io.samsa.wire.DecodeException;
import io.samsa.wire.frame.FrameDecoder;
import io.samsa.wire.protocol.Message;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: takes request frames from the frame decoder, parses the header, decodes the
 * body, hands it to the API's handler, and writes responses back in request order.
 *
 * <p>Malformed input follows Kafka: a request whose header or body cannot be parsed, or an API or
 * version the broker does not serve (other than ApiVersions, which answers with UNSUPPORTED_VERSION),
 * closes the connection with a log line. Reading pauses while too many requests are in flight, and for the
 * throttle time of a response that broke a client quota (KIP-219: the response goes at once, then the connection
 * is muted; see {@link RequestThrottler}).
 *
 * <p>Not thread-safe: every method runs on the channel's event loop. Sinks may be called from any
 * thread and hop back to it.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    private static final int MAX_IN_FLIGHT = 100;

    private final SupportedApis apis;
    private final RequestDecoder decoder;
    private final String listenerName;
    private final ResponseQueue queue = new ResponseQueue();
    private Channel channel;
    private EventLoopExecutor executor;
    private boolean closing;
    /** Who the connection authenticated as; every request it sends carries it. */
    private Principal principal = Principal.ANONYMOUS;
    /** The SASL state of a connection on a SASL listener, else null. */
    private final SaslAuthenticator sasl;
    /** The request size limit once authenticated ({@code socket.request.max.bytes}). */
    private final int maxRequestBytes;
    /** The client quotas, or null on a listener without them. */
    private final RequestThrottler throttler;
    /** Reading is muted for a quota until this time (System.nanoTime), when {@code muted}. */
    private long mutedUntilNanos;
    private boolean muted;

    ConnectionHandler(SupportedApis apis, RequestDecoder decoder, String listenerName) {
        this(apis, decoder, listenerName, null, 0, null);
    }

    /**
     * A connection on {@code listenerName}: on a SASL listener {@code sasl} gates its requests until it has
     * authenticated (else null); {@code throttler} applies the client quotas (null for none).
     */
    ConnectionHandler(SupportedApis apis, RequestDecoder decoder, String listenerName, SaslAuthenticator sasl,
                      int maxRequestBytes, RequestThrottler throttler) {
        this.apis = apis;
        this.decoder = decoder;
        this.listenerName = listenerName;
        this.sasl = sasl;
        this.maxRequestBytes = maxRequestBytes;
        this.throttler = throttler;
    }

    /** Records who the connection authenticated as (by its TLS certificate or SASL); later requests carry it. */
    void authenticated(Principal who) {
        principal = who;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        executor = new EventLoopExecutor(channel.eventLoop());
        if (sasl != null) {
            frameLimit(sasl.maxReceiveBytes());
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int requestBytes = frame.readableBytes();
        if (closing) {
            frame.release();
            return;
        }
        if (sasl != null && saslGate(ctx, frame)) {
            return;
        }
        RequestDecoder.Decoded decoded;
        try {
            decoded = decoder.decode(frame, apis);
        } catch (RequestDecoder.UnservedRequestException e) {
            frame.release();
            if (e.answer() != null) {
                ResponseQueue.Slot slot = queue.reserve();
                queue.complete(slot, ResponseEncoder.encode(ctx.alloc(), e.correlationId(), (short) 0,
                        e.answer(), (short) 0), channel);
            } else {
                close(e.getMessage());
            }
            return;
        } catch (DecodeException e) {
            frame.release();
            close("malformed request: " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            frame.release();
            log.error("Unexpected error decoding a request from {}", channel.remoteAddress(), e);
            close("unexpected decode error");
            return;
        }
        if (sasl != null && saslStep(ctx, decoded, frame)) {
            return;
        }
        RequestContext rc = new RequestContext(decoded.apiKey(), decoded.apiVersion(), decoded.correlationId(),
                decoded.clientId(), listenerName, (InetSocketAddress) channel.remoteAddress(), principal, executor,
                ctx.alloc(), frame, System.nanoTime());
        ResponseQueue.Slot slot = queue.reserve();
        Sink sink = new Sink(rc, decoded.responseHeaderVersion(), slot, decoded.request(), requestBytes);
        if (queue.inFlight() >= MAX_IN_FLIGHT) {
            channel.config().setAutoRead(false);
        }
        try {
            Message refusal = throttler == null ? null : throttler.refusal(rc, decoded.request());
            if (refusal != null) {
                sink.send(refusal);
            } else {
                decoded.entry().handler().handle(rc, decoded.request(), sink);
            }
        } catch (RuntimeException e) {
            log.error("{}Handler failed", rc.logPrefix(), e);
            sink.closeConnection("handler failure");
        }
        sink.handlerNanos = System.nanoTime() - rc.receivedNanos();
    }

    /** Stops reading from the client for {@code throttleMs} (KIP-219), or longer when already muted for longer. */
    private void mute(long throttleMs) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(throttleMs);
        if (muted && until - mutedUntilNanos <= 0) {
            return;
        }
        muted = true;
        mutedUntilNanos = until;
        channel.config().setAutoRead(false);
        channel.eventLoop().schedule(this::unmute, throttleMs, TimeUnit.MILLISECONDS);
    }

    private void unmute() {
        if (!muted || System.nanoTime() - mutedUntilNanos < 0) {
            return;
        }
        muted = false;
        if (!closing && queue.inFlight() < MAX_IN_FLIGHT / 2) {
            channel.config().setAutoRead(true);
        }
    }

    /**
     * Before the body is decoded: a raw SASL token (after a v0 handshake) is answered here, and a request the SASL
     * state does not allow closes the connection. Takes ownership of {@code frame} when it returns true.
     */
    private boolean saslGate(ChannelHandlerContext ctx, ByteBuf frame) {
        long now = System.currentTimeMillis();
        if (sasl.expectsRawToken()) {
            byte[] token = new byte[frame.readableBytes()];
            frame.readBytes(token);
            frame.release();
            byte[] reply = sasl.onRawToken(token, now);
            if (reply == null) {
                close("SASL authentication failed");
                return true;
            }
            ByteBuf out = ctx.alloc().buffer(4 + reply.length).writeInt(reply.length).writeBytes(reply);
            queue.complete(queue.reserve(), out, channel);
            afterSasl();
            return true;
        }
        short apiKey = frame.readableBytes() >= 2 ? frame.getShort(frame.readerIndex()) : -1;
        SaslAuthenticator.Refuse refused = sasl.admit(apiKey, now);
        if (refused != null) {
            frame.release();
            close(refused.reason());
            return true;
        }
        return false;
    }

    /** A decoded request's SASL step: true when it was answered (or refused) here; takes {@code frame} then. */
    private boolean saslStep(ChannelHandlerContext ctx, RequestDecoder.Decoded decoded, ByteBuf frame) {
        SaslAuthenticator.Step step = sasl.onRequest(decoded.apiKey(), decoded.apiVersion(), decoded.request(),
                System.currentTimeMillis());
        if (step instanceof SaslAuthenticator.Dispatch) {
            return false;
        }
        frame.release();
        if (step instanceof SaslAuthenticator.Refuse refuse) {
            close(refuse.reason());
            return true;
        }
        SaslAuthenticator.Answer answer = (SaslAuthenticator.Answer) step;
        queue.complete(queue.reserve(), ResponseEncoder.encode(ctx.alloc(), decoded.correlationId(),
                decoded.responseHeaderVersion(), answer.response(), decoded.apiVersion()), channel);
        if (answer.close()) {
            closing = true;
            log.info("Closing connection from {} after a failed SASL exchange", channel.remoteAddress());
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            afterSasl();
        }
        return true;
    }

    /** Carries a completed authentication into the connection: its principal and the request size limit. */
    private void afterSasl() {
        if (!sasl.authenticating()) {
            authenticated(sasl.principal());
        }
        frameLimit(sasl.authenticating() ? sasl.maxReceiveBytes() : maxRequestBytes);
    }

    private void frameLimit(int max) {
        if (channel.pipeline().get("frames") instanceof FrameDecoder frames) {
            frames.maxFrameSize(max);
            // Raw tokens after a v0 SaslHandshake are not requests: a PLAIN token may be shorter than a header.
            frames.minFrameSize(sasl.expectsRawToken() ? 1 : FrameDecoder.MIN_REQUEST_FRAME_SIZE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (queue.inFlight() == 0) {
                log.debug("Closing idle connection from {}", channel.remoteAddress());
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        queue.discard();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecodeException || cause.getCause() instanceof DecodeException) {
            close("bad frame: " + (cause instanceof DecodeException ? cause : cause.getCause()).getMessage());
        } else if (cause instanceof java.io.IOException) {
            log.debug("Connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        } else {
            log.warn("Closing connection from {} after an unexpected error", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    private void close(String reason) {
        if (!closing) {
            closing = true;
            log.info("Closing connection from {}: {}", channel.remoteAddress(), reason);
            channel.close();
        }
    }

    private void complete(ResponseQueue.Slot slot, Object response, ByteBuf frame) {
        frame.release();
        queue.complete(slot, response, channel);
        if (!muted && !channel.config().isAutoRead() && queue.inFlight() < MAX_IN_FLIGHT / 2) {
            channel.config().setAutoRead(true);
        }
    }

    /** Moves one response onto the event loop and into its place in the order. */
    private final class Sink implements ResponseSink {
        private final RequestContext rc;
        private final short headerVersion;
        private final ResponseQueue.Slot slot;
        private final Message request;
        private final int requestBytes;
        /** How long the handler ran on the event loop; -1 while it runs (a response sent from inside it). */
        long handlerNanos = -1;

        Sink(RequestContext rc, short headerVersion, ResponseQueue.Slot slot, Message request, int requestBytes) {
            this.rc = rc;
            this.headerVersion = headerVersion;
            this.slot = slot;
            this.request = request;
            this.requestBytes = requestBytes;
        }

        /** Records the request against the client's quotas; its throttle time (ms), 0 without quotas. */
        private long throttle(Message response) {
            if (throttler == null) {
                return 0;
            }
            long nanos = handlerNanos >= 0 ? handlerNanos : System.nanoTime() - rc.receivedNanos();
            try {
                return throttler.throttle(rc, request, response, requestBytes, nanos);
            } catch (RuntimeException e) {
                log.error("{}Client quota accounting failed", rc.logPrefix(), e);
                return 0;
            }
        }

        @Override
        public void send(Message response) {
            onLoop(() -> doSend(response));
        }

        private void doSend(Message response) {
            long throttleMs = throttle(response);
            Object encoded;
            try {
                encoded = ResponseEncoder.encodeResponse(rc.alloc(), rc.correlationId(), headerVersion, response,
                        rc.apiVersion());
            } catch (RuntimeException e) {
                log.error("{}Failed to encode the response", rc.logPrefix(), e);
                complete(slot, null, rc.frame());
                close("response encoding failed");
                return;
            }
            complete(slot, encoded, rc.frame());
            if (throttleMs > 0 && !closing) {
                mute(throttleMs);
            }
        }

        @Override
        public void sendNothing() {
            onLoop(() -> {
                long throttleMs = throttle(null);
                complete(slot, null, rc.frame());
                if (throttleMs > 0 && !closing) {
                    mute(throttleMs);
                }
            });
        }

        @Override
        public void closeConnection(String reason) {
            onLoop(() -> {
                complete(slot, null, rc.frame());
                close(reason);
            });
        }

        /**
         * Runs {@code task} on the connection's loop. A loop that has stopped (its broker is stopping or halted
         * while the request was still being handled) takes no more tasks and nothing more is written; the
         * request's frame, which the task would have released, is released here.
         */
        private void onLoop(Runnable task) {
            if (rc.executor().inExecutor()) {
                task.run();
                return;
            }
            try {
                rc.executor().execute(task);
            } catch (RejectedExecutionException e) {
                log.debug("{}Connection's event loop has stopped; the response is dropped", rc.logPrefix());
                rc.frame().release();
            }
        }
    }
}
