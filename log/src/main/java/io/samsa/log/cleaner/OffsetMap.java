package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import io.samsa.log.CleanerConfig;

/**
 * The cleaner's map from key to the latest offset written with it, in bounded memory: a key is stored as its 128-bit
 * keyed hash ({@link KeyHash}; Kafka's cleaner stores an MD5 hash), so every key costs
 * {@value CleanerConfig#BYTES_PER_KEY} bytes whatever its length, and two keys are taken for one only if their hashes
 * collide, which chance never makes happen and a producer cannot arrange. Open addressing with linear probing in one
 * {@code long[]} (hash high, hash low, offset per slot); an offset of -1 marks an empty slot.
 *
 * <p>A pass ({@link #reset}) bounds the map by what it can need (at most one key per offset of the dirty range), up to
 * the thread's share of {@code log.cleaner.dedupe.buffer.size}; the table starts small and doubles as keys arrive,
 * up to that bound, and later passes reuse it. Memory follows the keys actually seen rather than the records: a
 * dirty range of 400,000 updates of 20,000 keys needs 32,768 slots (768 KiB), not 10 MiB. That matters beyond
 * memory: a table that lives through a pass is copied into the old generation by the next young collection, a
 * pause every request of the broker waits out.
 *
 * <p>Not thread-safe: one cleaner thread owns it.
 */
final class OffsetMap {
    /** The largest table a {@code long[]} holds. */
    static final int MAX_SLOTS = CleanerConfig.MAX_SLOTS;
    /** Slots a pass starts with (192 KiB), unless its bound is smaller or the table it reuses is larger. */
    static final int INITIAL_SLOTS = 8192;

    private final KeyHash hash;
    private final double loadFactor;
    private long[] table = new long[0];
    private int slots;
    /** The slots the table may grow to in this pass. */
    private int maxSlots;
    /** The size at which the table doubles, while {@code slots < maxSlots}. */
    private int growAt;
    private int size;
    private int maxSize;
    private long probes;
    private long lookups;

    OffsetMap(double loadFactor) {
        this(loadFactor, new KeyHash());
    }

    /** A map hashing keys with {@code hash} (tests choose its secret). */
    OffsetMap(double loadFactor, KeyHash hash) {
        this.loadFactor = loadFactor;
        this.hash = hash;
    }

    /**
     * Empties the map and bounds it at {@code maxKeys} keys (at the load factor), reusing the table as it is when it
     * is no larger than that bound needs.
     */
    void reset(int maxKeys) {
        long wanted = (long) Math.ceil(Math.max(1, maxKeys) / loadFactor) + 1;
        maxSlots = (int) Math.min(wanted, MAX_SLOTS);
        int n = Math.min(maxSlots, Math.max(INITIAL_SLOTS, table.length / 3));
        if ((long) n * 3 > table.length) {
            table = new long[n * 3];
        }
        slots = n;
        for (int i = 0; i < n; i++) {
            table[i * 3 + 2] = -1;
        }
        growAt = growthPoint(n);
        size = 0;
        maxSize = (int) Math.max(1, Math.min((long) (maxSlots * loadFactor), maxKeys));
        probes = 0;
        lookups = 0;
    }

    /** Slots in use now (tests). */
    int slots() {
        return slots;
    }

    private int growthPoint(int n) {
        // Always one empty slot at least, so that a probe ends.
        return n >= maxSlots ? Integer.MAX_VALUE : Math.min(n - 1, (int) (n * loadFactor));
    }

    /** Doubles the table (up to {@link #maxSlots}) and places every stored key again. */
    private void grow() {
        int n = (int) Math.min((long) slots * 2, maxSlots);
        long[] old = table;
        int oldSlots = slots;
        table = new long[n * 3];
        slots = n;
        for (int i = 0; i < n; i++) {
            table[i * 3 + 2] = -1;
        }
        for (int i = 0; i < oldSlots; i++) {
            int from = i * 3;
            if (old[from + 2] >= 0) {
                int at = find(old[from], old[from + 1]) * 3;
                table[at] = old[from];
                table[at + 1] = old[from + 1];
                table[at + 2] = old[from + 2];
            }
        }
        growAt = growthPoint(n);
    }

    /** Keys stored. */
    int size() {
        return size;
    }

    /** The keys this pass may store: {@link #put} beyond it is refused. */
    int maxSize() {
        return maxSize;
    }

    /** How full the map may still get, as a share of {@link #maxSize()}. */
    double utilization() {
        return maxSize == 0 ? 0 : (double) size / maxSize;
    }

    /** Average slots probed per operation since the last reset (tests, diagnostics). */
    double averageProbes() {
        return lookups == 0 ? 0 : (double) probes / lookups;
    }

    /**
     * Records {@code offset} for the key in {@code buf[index, index + length)} (borrowed); a later offset replaces an
     * earlier one. Returns false, storing nothing, when the key is new and the map holds {@link #maxSize()} keys.
     */
    boolean put(ByteBuf buf, int index, int length, long offset) {
        hash.hash(buf, index, length);
        long hi = hash.high();
        long lo = hash.low();
        int at = find(hi, lo) * 3;
        if (table[at + 2] < 0) {
            if (size >= maxSize) {
                return false;
            }
            if (size >= growAt) {
                grow();
                at = find(hi, lo) * 3;
            }
            table[at] = hi;
            table[at + 1] = lo;
            size++;
        }
        table[at + 2] = offset;
        return true;
    }

    /** The latest offset recorded for the key, or -1. */
    long get(ByteBuf buf, int index, int length) {
        if (size == 0) {
            return -1;
        }
        hash.hash(buf, index, length);
        return table[find(hash.high(), hash.low()) * 3 + 2];
    }

    /** The slot holding the hash, or the empty slot where it would go. */
    private int find(long hi, long lo) {
        int slot = (int) (((hi >>> 32) * slots) >>> 32);
        lookups++;
        while (true) {
            probes++;
            int at = slot * 3;
            if (table[at + 2] < 0 || table[at] == hi && table[at + 1] == lo) {
                return slot;
            }
            slot = slot + 1 == slots ? 0 : slot + 1;
        }
    }
}
