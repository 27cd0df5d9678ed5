package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class KeyHashTest {
    /** The reference key 00 01 .. 0f, as the two little-endian halves. */
    private static final long K0 = 0x0706050403020100L;
    private static final long K1 = 0x0f0e0d0c0b0a0908L;

    /** SipHash-2-4-128 of the message 00 01 .. (n-1) under the reference key (the authors' published vectors). */
    private static final String[][] VECTORS = {
        {"0", "a3817f04ba25a8e66df67214c7550293"},
        {"1", "da87c1d86b99af44347659119b22fc45"},
        {"7", "a1f1ebbed8dbc153c0b84aa61ff08239"},
        {"8", "3b62a9ba6258f5610f83e264f31497b4"},
        {"9", "264499060ad9baabc47f8b02bb6d71ed"},
        {"15", "5493e99933b0a8117e08ec0f97cfc3d9"},
        {"16", "6ee2a4ca67b054bbfd3315bf85230577"},
        {"63", "5150d1772f50834a503e069a973fbd7c"},
    };

    private static String hex(KeyHash h) {
        ByteBuffer out = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(h.high()).putLong(h.low());
        return HexFormat.of().formatHex(out.array());
    }

    private static byte[] message(int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) {
            m[i] = (byte) i;
        }
        return m;
    }

    @Test
    void matchesTheReferenceVectors() {
        KeyHash h = new KeyHash(K0, K1);
        for (String[] v : VECTORS) {
            int n = Integer.parseInt(v[0]);
            h.hash(message(n), 0, n);
            assertEquals(v[1], hex(h), "length " + n);
        }
    }

    @Test
    void hashesASliceOfAnyBufferAlike() {
        KeyHash h = new KeyHash(K0, K1);
        byte[] padded = new byte[40];
        System.arraycopy(message(15), 0, padded, 11, 15);
        ByteBuf heap = Unpooled.wrappedBuffer(padded);
        h.hash(heap.slice(3, 30), 8, 15); // array offset 3 + index 8 = byte 11
        assertEquals("5493e99933b0a8117e08ec0f97cfc3d9", hex(h));
        ByteBuf direct = Unpooled.directBuffer(40).writeBytes(padded);
        h.hash(direct, 11, 15);
        assertEquals("5493e99933b0a8117e08ec0f97cfc3d9", hex(h));
        direct.release();
    }

    @Test
    void eachHashHasItsOwnSecret() {
        byte[] key = "key-00000042".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            KeyHash h = new KeyHash();
            h.hash(key, 0, key.length);
            seen.add(hex(h));
        }
        assertEquals(20, seen.size(), "a fresh secret gives a fresh hash of the same key");
        KeyHash a = new KeyHash(K0, K1);
        KeyHash b = new KeyHash(K0, K1 + 1);
        a.hash(key, 0, key.length);
        b.hash(key, 0, key.length);
        assertNotEquals(hex(a), hex(b));
    }
}
