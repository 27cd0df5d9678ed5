package io.samsa.wire.protocol;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A protocol message generated from one of Kafka's JSON schemas (package
 * {@code io.samsa.wire.message}): a request, a response, a header or a data type. Implementations
 * are mutable POJOs; not thread-safe.
 *
 * <p>Encoding is two-step: {@link #size} first (to allocate once), then {@link #write}. Both throw
 * {@link UnsupportedVersionException} for a version outside the message's range; {@code write} also
 * throws it when a field holds a non-default value that {@code version} cannot carry and the schema
 * does not mark it ignorable (such a value is dropped when it is ignorable), and throws
 * {@link NullPointerException} for a null in a field that is not nullable at {@code version}.
 */
public interface Message {
    /**
     * Replaces every field with what {@code buf} holds, laid out as in {@code version}. Borrows
     * {@code buf} and advances its reader index past the message; records fields become slices of
     * {@code buf} (not retained: valid while {@code buf} is).
     *
     * @throws io.samsa.wire.DecodeException for bad or truncated bytes or an unsupported version;
     *     nothing else escapes for any input
     */
    void read(ByteBuf buf, short version);

    /** Writes the message as laid out in {@code version}. Borrows {@code buf}; writes {@link #size} bytes. */
    void write(ByteBuf buf, short version);

    /** The exact number of bytes {@link #write} writes at {@code version}. */
    int size(short version);

    /** The API key, or -1 for headers and data types. */
    short apiKey();

    short lowestSupportedVersion();

    short highestSupportedVersion();

    /** Tagged fields the schema does not know, kept from {@link #read} for {@link #write}; never null. */
    List<RawTaggedField> unknownTaggedFields();
}
