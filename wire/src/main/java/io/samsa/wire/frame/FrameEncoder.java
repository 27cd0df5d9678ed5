package io.samsa.wire.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Prefixes each outbound {@link ByteBuf} with its 4-byte big-endian size. The payload is not
 * copied: the prefix goes out as its own 4-byte buffer ahead of it (a gathering write). Handlers
 * that already write size-prefixed buffers bypass it by writing them below it in the pipeline, or
 * use {@link #writeSizePlaceholder}/{@link #patchSize} to frame in one buffer.
 *
 * <p>Stateless and sharable; runs on the channel's event loop. Takes ownership of each message it
 * encodes and passes it on.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<ByteBuf> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        out.add(ctx.alloc().buffer(4).writeInt(msg.readableBytes()));
        out.add(msg.retain());
    }

    /** A new buffer holding {@code payload}'s readable bytes behind their size; borrows {@code payload}. */
    public static ByteBuf frame(ByteBufAllocator alloc, ByteBuf payload) {
        ByteBuf out = alloc.buffer(4 + payload.readableBytes());
        out.writeInt(payload.readableBytes());
        return out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    /** Reserves the size field at {@code buf}'s writer index and returns its index for {@link #patchSize}. */
    public static int writeSizePlaceholder(ByteBuf buf) {
        int index = buf.writerIndex();
        buf.writeInt(0);
        return index;
    }

    /** Sets the size field at {@code sizeIndex} to the bytes written after it. */
    public static void patchSize(ByteBuf buf, int sizeIndex) {
        buf.setInt(sizeIndex, buf.writerIndex() - sizeIndex - 4);
    }
}
