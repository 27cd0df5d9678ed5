package io.samsa.log.cleaner;

import io.netty.buffer.ByteBuf;
import java.security.SecureRandom;

/**
 * The cleaner's 128-bit key hash: SipHash-2-4 with 128-bit output (Aumasson and Bernstein), keyed with a secret drawn
 * when the hash is made. The offset map takes two keys with equal hashes for one key, so the hash must be wide enough
 * that chance collisions never happen (128 bits, as Kafka's MD5) and keyed so that nobody who can produce to a
 * compacted topic can craft two keys that collide and make the cleaner drop another key's latest value (MD5's
 * collisions can be crafted; without the secret, SipHash's cannot). It is also several times cheaper than MD5 per key,
 * above all in code compiled by C1 alone, as the broker runs: MD5 there spent 40% of a pass.
 *
 * <p>{@link #hash} leaves the result in {@link #high()} and {@link #low()}: the first and second eight bytes of
 * SipHash's output, each read little-endian. Not thread-safe: one per offset map.
 */
final class KeyHash {
    private final long k0;
    private final long k1;
    /** SipHash's state while hashing. */
    private long v0;
    private long v1;
    private long v2;
    private long v3;
    private long high;
    private long low;

    /** A hash keyed with a fresh random secret. */
    KeyHash() {
        this(new SecureRandom());
    }

    private KeyHash(SecureRandom random) {
        this(random.nextLong(), random.nextLong());
    }

    /** A hash keyed with {@code k0} and {@code k1} (the key's first and last eight bytes, read little-endian). */
    KeyHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    long high() {
        return high;
    }

    long low() {
        return low;
    }

    /** Hashes {@code buf[index, index + length)} (borrowed, not moved). */
    void hash(ByteBuf buf, int index, int length) {
        if (buf.hasArray()) {
            hash(buf.array(), buf.arrayOffset() + index, length);
            return;
        }
        // Rare: the cleaner reads segments into heap buffers.
        byte[] copy = new byte[length];
        buf.getBytes(index, copy);
        hash(copy, 0, length);
    }

    /** Hashes {@code bytes[from, from + length)}. */
    void hash(byte[] bytes, int from, int length) {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL ^ 0xee;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
        int end = from + length;
        int blocksEnd = from + (length & ~7);
        for (int i = from; i < blocksEnd; i += 8) {
            compress((bytes[i] & 0xffL) | (bytes[i + 1] & 0xffL) << 8 | (bytes[i + 2] & 0xffL) << 16
                    | (bytes[i + 3] & 0xffL) << 24 | (bytes[i + 4] & 0xffL) << 32 | (bytes[i + 5] & 0xffL) << 40
                    | (bytes[i + 6] & 0xffL) << 48 | (bytes[i + 7] & 0xffL) << 56);
        }
        // The last block: the remaining bytes, and the length's low byte on top.
        long last = (long) length << 56;
        for (int i = blocksEnd, shift = 0; i < end; i++, shift += 8) {
            last |= (bytes[i] & 0xffL) << shift;
        }
        compress(last);
        v2 ^= 0xee;
        rounds(4);
        high = v0 ^ v1 ^ v2 ^ v3;
        v1 ^= 0xdd;
        rounds(4);
        low = v0 ^ v1 ^ v2 ^ v3;
    }

    private void compress(long block) {
        v3 ^= block;
        rounds(2);
        v0 ^= block;
    }

    /** {@code n} SipRounds over the state. */
    private void rounds(int n) {
        long a = v0;
        long b = v1;
        long c = v2;
        long d = v3;
        for (int r = 0; r < n; r++) {
            a += b;
            b = Long.rotateLeft(b, 13) ^ a;
            a = Long.rotateLeft(a, 32);
            c += d;
            d = Long.rotateLeft(d, 16) ^ c;
            a += d;
            d = Long.rotateLeft(d, 21) ^ a;
            c += b;
            b = Long.rotateLeft(b, 17) ^ c;
            c = Long.rotateLeft(c, 32);
        }
        v0 = a;
        v1 = b;
        v2 = c;
        v3 = d;
    }
}
