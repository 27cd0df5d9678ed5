package io.samsa.wire.protocol;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.RequestHeader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the request path: {@link RequestHeaderParser} followed by the body decoder the header
 * selects, and every request and response decoder directly (API and version chosen by the first
 * two bytes). Anything but {@link DecodeException} or {@link UnsupportedRequestException} is a bug.
 *
 * <p>In a normal build {@link #decoders} only replays Jazzer's seeds, and {@link #seedsAndMutations}
 * replays {@code src/test/resources/protocol/fuzz-corpus} plus a valid frame of every request version
 * and seeded random mutations of it. To fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -B -o -pl wire test -Dtest=RequestDecoderFuzzTest#decoders}
 * (findings land in {@code src/test/resources/io/samsa/wire/protocol/RequestDecoderFuzzTestInputs}).
 */
class RequestDecoderFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void decoders(byte[] data) {
        decode(data);
    }

    @Test
    void seedsAndMutations() throws IOException, URISyntaxException {
        int inputs = 0;
        URL corpus = getClass().getResource("/protocol/fuzz-corpus");
        if (corpus != null) {
            try (Stream<Path> files = Files.list(Path.of(corpus.toURI()))) {
                for (Path p : files.sorted().toList()) {
                    try (InputStream in = Files.newInputStream(p)) {
                        decode(in.readAllBytes());
                        inputs++;
                    }
                }
            }
        }
        Random random = new Random(Long.getLong("fuzz.seed", 1L));
        for (ApiMessageType t : ApiMessageType.values()) {
            for (short v = t.lowestVersion(); v <= t.highestVersion(); v++) {
                byte[] frame = validFrame(t, v);
                decode(frame);
                inputs++;
                for (int i = 0; i < 30; i++) {
                    decode(mutate(frame, random));
                    inputs++;
                }
            }
        }
        assertTrue(inputs > 10000, inputs + " inputs");
    }

    /** The fuzz target: only the typed decode errors may escape. */
    static void decode(byte[] data) {
        ByteBuf frame = Unpooled.wrappedBuffer(data);
        try {
            ParsedRequestHeader h = RequestHeaderParser.parse(frame);
            h.api().newRequest().read(frame, h.apiVersion());
        } catch (DecodeException | UnsupportedRequestException expected) {
            // typed: the server answers or closes the connection
        }
        if (data.length < 2) {
            return;
        }
        ApiMessageType[] all = ApiMessageType.values();
        ApiMessageType t = all[(data[0] & 0xff) % all.length];
        int span = t.highestVersion() - t.lowestVersion() + 1;
        short v = (short) (t.lowestVersion() + (data[1] & 0x7f) % span);
        for (Message m : List.of(t.newRequest(), t.newResponse())) {
            try {
                m.read(Unpooled.wrappedBuffer(data, 2, data.length - 2), v);
            } catch (DecodeException expected) {
                // typed
            }
        }
    }

    /** A header and a default request of {@code t} at {@code v}, as a client would frame it (without size). */
    static byte[] validFrame(ApiMessageType t, short v) {
        ByteBuf buf = Unpooled.buffer();
        new RequestHeader().setRequestApiKey(t.id()).setRequestApiVersion(v).setCorrelationId(17)
            .setClientId("fuzz").write(buf, t.requestHeaderVersion(v));
        t.newRequest().write(buf, v);
        return ByteBufUtil.getBytes(buf);
    }

    private static byte[] mutate(byte[] in, Random random) {
        byte[] out = in.clone();
        switch (random.nextInt(4)) {
            case 0: {
                int at = random.nextInt(out.length);
                out[at] = (byte) (out[at] ^ (1 << random.nextInt(8)));
                return out;
            }
            case 1: {
                int at = random.nextInt(out.length);
                out[at] = (byte) new int[] {0x00, 0x7f, 0x80, 0xff}[random.nextInt(4)];
                return out;
            }
            case 2:
                return java.util.Arrays.copyOf(out, random.nextInt(out.length + 1));
            default: {
                byte[] longer = java.util.Arrays.copyOf(out, out.length + 1 + random.nextInt(8));
                for (int i = out.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt();
                }
                return longer;
            }
        }
    }
}
