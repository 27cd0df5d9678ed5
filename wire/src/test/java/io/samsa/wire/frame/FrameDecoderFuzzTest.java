package io.samsa.wire.frame;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.samsa.wire.DecodeException;
import io.samsa.wire.record.TrackingAllocator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes the frame decoder in an EmbeddedChannel with arbitrary bytes split into arbitrary reads.
 * The frames it emits must equal a trivially correct reference split; the only error is a typed
 * frame size error, after which the channel is closed; everything is released and nothing larger
 * than the input is allocated. {@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/wire/frame/FrameDecoderFuzzTestInputs/}; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl wire test -Dtest=FrameDecoderFuzzTest}.
 */
class FrameDecoderFuzzTest {
    private static final int MAX = 4096;

    @FuzzTest(maxDuration = "5m")
    void splitReads(FuzzedDataProvider in) {
        int[] cuts = new int[in.consumeInt(0, 64)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = in.consumeInt(1, 512);
        }
        byte[] data = in.consumeRemainingAsBytes();

        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(new FrameDecoder(MAX));
        List<byte[]> frames = new ArrayList<>();
        boolean failed = false;
        int pos = 0;
        int cut = 0;
        while (pos < data.length && channel.isOpen()) {
            int n = cuts.length == 0 ? data.length - pos : Math.min(cuts[cut++ % cuts.length], data.length - pos);
            ByteBuf read = alloc.buffer(n).writeBytes(data, pos, n);
            pos += n;
            try {
                channel.writeInbound(read);
            } catch (DecodeException e) {
                failed = true;
            }
            ByteBuf frame;
            while ((frame = channel.readInbound()) != null) {
                frames.add(ByteBufUtil.getBytes(frame));
                frame.release();
            }
        }
        channel.finishAndReleaseAll();

        List<byte[]> expected = new ArrayList<>();
        boolean expectFailure = reference(data, expected);
        assertEquals(expected.size(), frames.size());
        for (int i = 0; i < frames.size(); i++) {
            assertArrayEquals(expected.get(i), frames.get(i));
        }
        assertEquals(expectFailure, failed);
        alloc.assertAllReleased();
        assertTrue(alloc.largestBlock() <= Math.max(64, 2 * data.length), "allocation of " + alloc.largestBlock());
    }

    /** Splits {@code data} into frames the obvious way; true when it meets a size out of bounds. */
    private static boolean reference(byte[] data, List<byte[]> out) {
        int pos = 0;
        while (data.length - pos >= 4) {
            int size = (data[pos] & 0xFF) << 24 | (data[pos + 1] & 0xFF) << 16 | (data[pos + 2] & 0xFF) << 8
                    | (data[pos + 3] & 0xFF);
            if (size < FrameDecoder.MIN_REQUEST_FRAME_SIZE || size > MAX) {
                return true;
            }
            if (data.length - pos - 4 < size) {
                return false;
            }
            out.add(Arrays.copyOfRange(data, pos + 4, pos + 4 + size));
            pos += 4 + size;
        }
        return false;
    }
}
