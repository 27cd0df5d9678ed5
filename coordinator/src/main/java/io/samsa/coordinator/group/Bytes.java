package io.samsa.coordinator.group;

import io.samsa.wire.DecodeException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Big-endian encoding helpers for the group coordinator's record format: a growable {@link Writer} and a
 * bounds-checked {@link Reader} that throws {@link DecodeException} (never allocates more than the bytes
 * present) on bad input. Not thread-safe.
 */
final class Bytes {
    private Bytes() {
    }

    /** Appends fields to a byte array. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);

        Writer i8(int v) {
            out.write(v);
            return this;
        }

        Writer i16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Writer i32(int v) {
            i16(v >>> 16);
            return i16(v);
        }

        Writer i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        Writer str(String s) {
            if (s == null) {
                return i32(-1);
            }
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(byte[] b) {
            if (b == null) {
                return i32(-1);
            }
            i32(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        Writer uuid(UUID id) {
            i64(id.getMostSignificantBits());
            return i64(id.getLeastSignificantBits());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** Reads fields from a byte array. */
    static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        private void need(int n) {
            if (n < 0 || buf.length - pos < n) {
                throw new DecodeException("Truncated group record: need " + n + " bytes at " + pos + " of "
                        + buf.length);
            }
        }

        int i8() {
            need(1);
            return buf[pos++];
        }

        int i16() {
            need(2);
            int v = (short) (((buf[pos] & 0xff) << 8) | (buf[pos + 1] & 0xff));
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = ((buf[pos] & 0xff) << 24) | ((buf[pos + 1] & 0xff) << 16) | ((buf[pos + 2] & 0xff) << 8)
                    | (buf[pos + 3] & 0xff);
            pos += 4;
            return v;
        }

        long i64() {
            long hi = i32() & 0xffffffffL;
            long lo = i32() & 0xffffffffL;
            return (hi << 32) | lo;
        }

        String str() {
            byte[] b = bytes();
            return b == null ? null : new String(b, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            int len = i32();
            if (len == -1) {
                return null;
            }
            need(len);
            byte[] b = new byte[len];
            System.arraycopy(buf, pos, b, 0, len);
            pos += len;
            return b;
        }

        UUID uuid() {
            return new UUID(i64(), i64());
        }

        /** A count of following items, each at least {@code minItemBytes} long: refuses impossible counts. */
        int count(int minItemBytes) {
            int n = i32();
            if (n < 0 || (long) n * Math.max(1, minItemBytes) > buf.length - pos) {
                throw new DecodeException("Bad item count " + n + " at " + pos + " of " + buf.length);
            }
            return n;
        }
    }
}
