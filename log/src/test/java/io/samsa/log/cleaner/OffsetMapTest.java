package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffsetMapTest {
    private static ByteBuf key(String k) {
        return Unpooled.wrappedBuffer(k.getBytes(StandardCharsets.UTF_8));
    }

    private static long get(OffsetMap m, String k) {
        ByteBuf b = key(k);
        return m.get(b, b.readerIndex(), b.readableBytes());
    }

    private static boolean put(OffsetMap m, String k, long offset) {
        ByteBuf b = key(k);
        return m.put(b, b.readerIndex(), b.readableBytes(), offset);
    }

    @Test
    void remembersTheLatestOffsetOfEachKeyAgainstAModel() {
        OffsetMap m = new OffsetMap(0.9);
        m.reset(5_000);
        Map<String, Long> model = new HashMap<>();
        Random r = new Random(7);
        for (long off = 0; off < 20_000; off++) {
            String k = "k" + r.nextInt(4_000);
            assertTrue(put(m, k, off));
            model.put(k, off);
        }
        assertEquals(model.size(), m.size());
        for (Map.Entry<String, Long> e : model.entrySet()) {
            assertEquals(e.getValue(), get(m, e.getKey()), e.getKey());
        }
        assertEquals(-1, get(m, "never"));
        assertTrue(m.averageProbes() < 10, "probes " + m.averageProbes());
    }

    @Test
    void refusesANewKeyWhenFullButUpdatesKnownOnes() {
        OffsetMap m = new OffsetMap(0.9);
        m.reset(3);
        assertTrue(put(m, "a", 1));
        assertTrue(put(m, "b", 2));
        assertTrue(put(m, "c", 3));
        assertFalse(put(m, "d", 4), "full");
        assertTrue(put(m, "a", 5), "a known key still updates");
        assertEquals(5, get(m, "a"));
        assertEquals(-1, get(m, "d"));
        assertEquals(1.0, m.utilization());
    }

    @Test
    void aResetForgetsEverythingAndKeysMatchByContentNotBuffer() {
        OffsetMap m = new OffsetMap(0.5);
        m.reset(100);
        ByteBuf inMiddle = Unpooled.buffer().writeBytes("xxkeyxx".getBytes(StandardCharsets.UTF_8));
        assertTrue(m.put(inMiddle, 2, 3, 42));
        assertEquals(42, get(m, "key"));
        ByteBuf direct = Unpooled.directBuffer().writeBytes("key".getBytes(StandardCharsets.UTF_8));
        assertEquals(42, m.get(direct, 0, 3), "a direct buffer's key hashes the same");
        direct.release();
        m.reset(10);
        assertEquals(0, m.size());
        assertEquals(-1, get(m, "key"));
        assertTrue(put(m, "", 7), "an empty key is a key");
        assertEquals(7, get(m, ""));
    }

    @Test
    void theTableGrowsWithTheKeysSeenNotWithTheBound() {
        OffsetMap m = new OffsetMap(0.9);
        m.reset(1_000_000);
        assertEquals(OffsetMap.INITIAL_SLOTS, m.slots());
        Map<String, Long> model = new HashMap<>();
        Random r = new Random(11);
        for (long off = 0; off < 400_000; off++) {
            String k = "k" + r.nextInt(20_000);
            assertTrue(put(m, k, off));
            model.put(k, off);
        }
        assertEquals(20_000, m.size());
        assertEquals(32_768, m.slots(), "doubled past 0.9 of 8192 and of 16384, not up to the bound");
        for (Map.Entry<String, Long> e : model.entrySet()) {
            assertEquals(e.getValue(), get(m, e.getKey()), e.getKey());
        }
        m.reset(1_000_000);
        assertEquals(32_768, m.slots(), "the next pass reuses the grown table");
        assertEquals(-1, get(m, "k1"));
    }

    @Test
    void growthStopsAtTheBoundAndTheBoundStillRefusesNewKeys() {
        OffsetMap m = new OffsetMap(0.9);
        m.reset(20_000);
        for (int i = 0; i < 20_000; i++) {
            assertTrue(put(m, "k" + i, i));
        }
        assertFalse(put(m, "one-more", 20_000));
        assertEquals(22_224, m.slots(), "20,000 / 0.9 + 1 slots at most");
        for (int i = 0; i < 20_000; i++) {
            assertEquals(i, get(m, "k" + i));
        }
    }
}
