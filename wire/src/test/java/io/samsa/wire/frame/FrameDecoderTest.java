package io.samsa.wire.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.samsa.wire.record.TrackingAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame decoder in an EmbeddedChannel: split and merged frames, size limits refused before any
 * allocation, and every buffer released (checked with a tracking allocator, not the GC).
 */
class FrameDecoderTest {
    private final TrackingAllocator alloc = new TrackingAllocator();
    private EmbeddedChannel channel;

    private EmbeddedChannel channel(int max) {
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new FrameDecoder(max));
        return channel;
    }

    @AfterEach
    void everythingReleased() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        alloc.assertAllReleased();
    }

    static List<byte[]> payloads(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] p = new byte[8 + random.nextInt(300)];
            random.nextBytes(p);
            out.add(p);
        }
        return out;
    }

    private ByteBuf framed(List<byte[]> payloads) {
        ByteBuf buf = alloc.buffer();
        for (byte[] p : payloads) {
            buf.writeInt(p.length).writeBytes(p);
        }
        return buf;
    }

    private void assertFrames(List<byte[]> expected) {
        for (byte[] p : expected) {
            ByteBuf frame = channel.readInbound();
            try {
                assertArrayEquals(p, ByteBufUtil.getBytes(frame));
            } finally {
                frame.release();
            }
        }
        assertNull(channel.readInbound());
    }

    @Test
    void framesSplitByteByByte() {
        channel(1 << 20);
        List<byte[]> payloads = payloads(5, 1);
        ByteBuf all = framed(payloads);
        while (all.isReadable()) {
            channel.writeInbound(all.readRetainedSlice(1));
        }
        all.release();
        assertFrames(payloads);
        assertEquals(0, channel.pipeline().get(FrameDecoder.class).bufferedBytes());
    }

    @Test
    void manyFramesInOneBufferAreSlicesWithoutCopies() {
        channel(1 << 20);
        List<byte[]> payloads = payloads(200, 2);
        channel.writeInbound(framed(payloads));
        assertEquals(1, alloc.allocations(), "frames are slices of the read");
        assertFrames(payloads);
    }

    @Test
    void framesSplitAtRandomPoints() {
        channel(1 << 20);
        List<byte[]> payloads = payloads(100, 3);
        ByteBuf all = framed(payloads);
        Random random = new Random(4);
        while (all.isReadable()) {
            channel.writeInbound(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + random.nextInt(700))));
        }
        all.release();
        assertFrames(payloads);
    }

    @Test
    void oversizePrefixIsRefusedBeforeAllocatingAndClosesTheConnection() {
        channel(FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
        ByteBuf in = alloc.buffer().writeInt(FrameDecoder.DEFAULT_MAX_FRAME_SIZE + 1).writeBytes(new byte[10]);
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> channel.writeInbound(in));
        assertEquals(FrameDecoder.DEFAULT_MAX_FRAME_SIZE + 1L, e.size());
        assertEquals(FrameDecoder.DEFAULT_MAX_FRAME_SIZE, e.maxSize());
        assertFalse(channel.isOpen());
        assertTrue(alloc.largestBlock() < 1024, "largest allocation " + alloc.largestBlock());
        assertNull(channel.readInbound());
    }

    @Test
    void negativeAndTooSmallPrefixesAreRefused() {
        channel(1000);
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
                () -> channel.writeInbound(alloc.buffer().writeInt(-1)));
        assertEquals(0xFFFFFFFFL, e.size());
        for (int size : new int[] {0, 7}) {
            channel.finishAndReleaseAll();
            channel(1000);
            FrameTooSmallException small = assertThrows(FrameTooSmallException.class,
                    () -> channel.writeInbound(alloc.buffer().writeInt(size).writeLong(0)));
            assertEquals(size, small.size());
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void aLargeDeclaredSizeCostsOnlyTheBytesSent() {
        channel(FrameDecoder.DEFAULT_MAX_FRAME_SIZE);
        channel.writeInbound(alloc.buffer(16).writeInt(FrameDecoder.DEFAULT_MAX_FRAME_SIZE).writeBytes(new byte[10]));
        for (int i = 0; i < 10; i++) {
            channel.writeInbound(alloc.buffer(16).writeBytes(new byte[10]));
        }
        assertNull(channel.readInbound());
        FrameDecoder decoder = channel.pipeline().get(FrameDecoder.class);
        assertEquals(114, decoder.bufferedBytes());
        assertTrue(alloc.largestBlock() < 4096, "largest allocation " + alloc.largestBlock());
        assertTrue(channel.isOpen());
        channel.close();
        assertEquals(0, decoder.bufferedBytes());
    }

    @Test
    void bytesAfterARefusedFrameAreDropped() {
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        // Keeps the channel open after the decoder closes it, as bytes already read may still arrive.
        channel.pipeline().addLast(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
                promise.setSuccess();
            }
        });
        channel.pipeline().addLast(new FrameDecoder(100));
        assertThrows(FrameTooLargeException.class, () -> channel.writeInbound(alloc.buffer().writeInt(101)));
        ByteBuf later = alloc.buffer().writeInt(8).writeLong(1);
        channel.writeInbound(later);
        assertEquals(0, later.refCnt());
        assertNull(channel.readInbound());
    }

    @Test
    void aFrameOfExactlyTheMaximumPasses() {
        channel(100);
        channel.writeInbound(alloc.buffer().writeInt(100).writeBytes(new byte[100]).writeInt(8).writeLong(7));
        ByteBuf big = channel.readInbound();
        assertEquals(100, big.readableBytes());
        big.release();
        ByteBuf small = channel.readInbound();
        assertEquals(7, small.getLong(0));
        small.release();
    }

    @Test
    void removingTheDecoderPassesPartialBytesOn() {
        channel(1000);
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            private boolean removed;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!removed) {
                    removed = true;
                    ctx.pipeline().remove(FrameDecoder.class);
                }
                ctx.fireChannelRead(msg);
            }
        });
        channel.writeInbound(alloc.buffer().writeInt(8).writeLong(5).writeInt(8).writeShort(3));
        ByteBuf first = channel.readInbound();
        assertEquals(5, first.getLong(0));
        first.release();
        ByteBuf rest = channel.readInbound();
        assertEquals(6, rest.readableBytes(), "the undecoded bytes follow, unframed");
        rest.release();
    }

    @Test
    void encoderOutputDecodesBack() {
        channel(1000);
        EmbeddedChannel out = new EmbeddedChannel(FrameEncoder.INSTANCE);
        out.config().setAllocator(alloc);
        List<byte[]> payloads = payloads(20, 5);
        for (byte[] p : payloads) {
            out.writeOutbound(alloc.buffer().writeBytes(p));
        }
        ByteBuf wire;
        while ((wire = out.readOutbound()) != null) {
            channel.writeInbound(wire);
        }
        assertFrames(payloads);
        ByteBuf payload = alloc.buffer().writeLong(42);
        ByteBuf framed = FrameEncoder.frame(alloc, payload);
        assertEquals(8, framed.getInt(0));
        assertEquals(42, framed.getLong(4));
        int at = FrameEncoder.writeSizePlaceholder(payload);
        payload.writeShort(1);
        FrameEncoder.patchSize(payload, at);
        assertEquals(2, payload.getInt(8));
        payload.release();
        framed.release();
        assertFalse(out.finishAndReleaseAll());
    }
}
