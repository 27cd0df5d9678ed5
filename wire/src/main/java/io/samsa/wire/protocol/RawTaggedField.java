package io.samsa.wire.protocol;

import java.util.Arrays;

/**
 * A tagged field that the message's schema does not know: its tag and its undecoded value bytes,
 * kept so that a message read and written again keeps it. Equality is by tag and content.
 *
 * @param tag  the tag (an unsigned varint on the wire)
 * @param data the value's bytes, without the tag and size prefix; not copied
 */
public record RawTaggedField(int tag, byte[] data) {
    @Override
    public boolean equals(Object o) {
        return o instanceof RawTaggedField && ((RawTaggedField) o).tag == tag
            && Arrays.equals(((RawTaggedField) o).data, data);
    }

    @Override
    public int hashCode() {
        return 31 * tag + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RawTaggedField(tag=" + Integer.toUnsignedString(tag) + ", size=" + data.length + ")";
    }
}
