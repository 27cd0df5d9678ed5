package io.samsa.wire.frame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.samsa.wire.DecodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits a connection's bytes into Kafka frames: a 4-byte big-endian size, then that many bytes.
 * Emits each frame's payload (without the size) as one {@link ByteBuf}; the next handler owns it
 * and must release it. Frames that arrive whole in one read are retained slices of that read, with
 * no copy.
 *
 * <p>The size is checked as soon as its 4 bytes arrive, before anything is allocated for the frame:
 * a size above {@code maxFrameSize} (Kafka's {@code socket.request.max.bytes}, default 104857600) or
 * negative fails with {@link FrameTooLargeException}, one below {@code minFrameSize} with
 * {@link FrameTooSmallException}. Either is fired down the pipeline with
 * {@code fireExceptionCaught}, the connection is closed, and every later byte is dropped. Bytes are
 * held only as they arrive: the cumulation of a partial frame grows with the bytes received (as in
 * {@link ByteToMessageDecoder}'s merge cumulator), never with the declared size, so a client that
 * declares 100 MiB and sends 10 bytes costs 10 bytes.
 *
 * <p>Not thread-safe and not sharable: one instance per channel, called on its event loop. It owns
 * the cumulation of a partial frame and releases it when the channel goes inactive or the handler
 * is removed (a removed handler passes its partial bytes on instead).
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** Kafka's default {@code socket.request.max.bytes}. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 104_857_600;
    /** The smallest request header: api key, api version, correlation id (v0). */
    public static final int MIN_REQUEST_FRAME_SIZE = 8;
    /** The smallest response header: correlation id. */
    public static final int MIN_RESPONSE_FRAME_SIZE = 4;
    private static final int SIZE_PREFIX = 4;
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
    /** Copies only when it must (shared or full cumulation), and then only the unread bytes. */
    private static final ByteToMessageDecoder.Cumulator MERGE = ByteToMessageDecoder.MERGE_CUMULATOR;

    /** Changed only on the channel's event loop ({@link #minFrameSize(int)}). */
    private int minFrameSize;
    /** Changed only on the channel's event loop ({@link #maxFrameSize(int)}). */
    private int maxFrameSize;
    private ByteBuf cumulation;
    private boolean failed;

    /** A request decoder with the given maximum and the request header's minimum. */
    public FrameDecoder(int maxFrameSize) {
        this(MIN_REQUEST_FRAME_SIZE, maxFrameSize);
    }

    public FrameDecoder(int minFrameSize, int maxFrameSize) {
        if (minFrameSize < 1 || maxFrameSize < minFrameSize) {
            throw new IllegalArgumentException("Frame size bounds [" + minFrameSize + ", " + maxFrameSize
                    + "] are invalid");
        }
        this.minFrameSize = minFrameSize;
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Sets the largest frame accepted from the next size prefix on (a SASL listener's 512 KiB before authentication,
     * then {@code socket.request.max.bytes}). Call on the channel's event loop.
     */
    public void maxFrameSize(int max) {
        if (max < minFrameSize) {
            throw new IllegalArgumentException("Frame size bounds [" + minFrameSize + ", " + max + "] are invalid");
        }
        this.maxFrameSize = max;
    }

    /**
     * Sets the smallest frame accepted from the next size prefix on (1 for raw SASL tokens after a v0 SaslHandshake,
     * which are not requests). Call on the channel's event loop.
     */
    public void minFrameSize(int min) {
        if (min < 1 || min > maxFrameSize) {
            throw new IllegalArgumentException("Frame size bounds [" + min + ", " + maxFrameSize + "] are invalid");
        }
        this.minFrameSize = min;
    }

    /** Takes ownership of {@code msg}. */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            in.release();
            return;
        }
        ByteBuf buf = cumulation == null ? in : MERGE.cumulate(ctx.alloc(), cumulation, in);
        cumulation = null;
        try {
            while (buf.readableBytes() >= SIZE_PREFIX && !failed && !ctx.isRemoved()) {
                int size = buf.getInt(buf.readerIndex());
                checkSize(size);
                if (buf.readableBytes() - SIZE_PREFIX < size) {
                    break;
                }
                buf.skipBytes(SIZE_PREFIX);
                ByteBuf frame = buf.readRetainedSlice(size);
                ctx.fireChannelRead(frame);
            }
        } catch (DecodeException e) {
            fail(ctx, e);
        }
        if (failed || !buf.isReadable()) {
            buf.release();
        } else if (ctx.isRemoved()) {
            ctx.fireChannelRead(buf);
        } else {
            if (buf.refCnt() == 1) {
                buf.discardSomeReadBytes();
            }
            cumulation = buf;
        }
    }

    private void checkSize(int size) {
        if (size < 0 || size > maxFrameSize) {
            throw new FrameTooLargeException(size & 0xFFFFFFFFL, maxFrameSize);
        }
        if (size < minFrameSize) {
            throw new FrameTooSmallException(size, minFrameSize);
        }
    }

    private void fail(ChannelHandlerContext ctx, DecodeException e) {
        failed = true;
        log.debug("[channel={}] Closing the connection: {}", ctx.channel().id(), e.getMessage());
        ctx.fireExceptionCaught(e);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseCumulation();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf rest = cumulation;
        cumulation = null;
        if (rest != null) {
            if (rest.isReadable() && !failed) {
                ctx.fireChannelRead(rest);
            } else {
                rest.release();
            }
        }
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    /** Bytes held for a partial frame; for tests and metrics. */
    public int bufferedBytes() {
        return cumulation == null ? 0 : cumulation.readableBytes();
    }
}
