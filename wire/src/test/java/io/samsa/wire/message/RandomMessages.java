package io.samsa.wire.message;

import io.samsa.wire.codegen.FieldSpec;
import io.samsa.wire.codegen.FieldType;
import io.samsa.wire.codegen.Main;
import io.samsa.wire.codegen.MessageSpec;
import io.samsa.wire.codegen.StructSpec;
import io.samsa.wire.codegen.Versions;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.RawTaggedField;
import io.samsa.wire.protocol.Records;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Fills generated messages with random values that a given version can carry, driven by the same
 * merged schema model the generator used: fields absent in that version keep their defaults, null
 * appears only where nullable, tagged fields are sometimes left at their default, and flexible
 * versions sometimes get unknown tagged fields. Test-only; uses reflection (the generated code does
 * not). Not thread-safe.
 */
final class RandomMessages {
    static final Path CURRENT = Path.of("target/schemas/current/common/message");
    static final Path LEGACY = Path.of("target/schemas/legacy/common/message");
    private static final String[] WORDS = {"", "a", "topic-1", "é", "日本", "\uD83D\uDE00x", "__consumer_offsets",
        "group.instance", "x".repeat(40)};

    private static final String PACKAGE = io.samsa.wire.codegen.MessageGenerator.PACKAGE;

    private final Random random;

    RandomMessages(Random random) {
        this.random = random;
    }

    /** The union of both schema sets, as the generator merged it. */
    static List<MessageSpec> union() {
        try {
            return Main.loadUnion(CURRENT, LEGACY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new instance of the generated class for {@code spec}, randomly filled for {@code version}. */
    Message randomMessage(MessageSpec spec, short version) throws ReflectiveOperationException {
        Message m = (Message) Class.forName(PACKAGE + "." + spec.name())
            .getConstructor().newInstance();
        fill(m, spec, spec.root(), version, 0);
        return m;
    }

    private void fill(Object obj, MessageSpec spec, StructSpec struct, short v, int depth)
        throws ReflectiveOperationException {
        for (FieldSpec f : struct.fields()) {
            if (!Versions.contains(f.versions(), v)) {
                continue;
            }
            if (Versions.contains(f.tagged(), v) && random.nextInt(3) == 0) {
                continue; // leave the tagged field at its default: it is then not written at all
            }
            Object value;
            if (Versions.contains(f.nullable(), v) && random.nextInt(5) == 0) {
                value = null;
            } else {
                value = value(spec, f.type(), v, depth);
            }
            Method setter = obj.getClass().getMethod("set" + Character.toUpperCase(f.name().charAt(0)) + f.name().substring(1), javaClass(spec, f.type()));
            setter.invoke(obj, value);
        }
        if (Versions.contains(spec.flexible(), v) && random.nextInt(4) == 0) {
            @SuppressWarnings("unchecked")
            List<RawTaggedField> unknown = (List<RawTaggedField>) obj.getClass().getMethod("unknownTaggedFields")
                .invoke(obj);
            int n = 1 + random.nextInt(2);
            for (int i = 0; i < n; i++) {
                unknown.add(new RawTaggedField(1000 + 7 * i + random.nextInt(7), bytes(6)));
            }
        }
    }

    private Object value(MessageSpec spec, FieldType t, short v, int depth) throws ReflectiveOperationException {
        switch (t.kind()) {
            case INT8:
                return (byte) random.nextInt();
            case INT16:
                return (short) random.nextInt();
            case UINT16:
                return random.nextInt(65536);
            case INT32:
                return random.nextBoolean() ? random.nextInt(1000) - 1 : random.nextInt();
            case UINT32:
                return random.nextLong() & 0xFFFFFFFFL;
            case INT64:
                return random.nextBoolean() ? (long) random.nextInt(1000) : random.nextLong();
            case FLOAT64:
                return random.nextInt(4) == 0 ? 0.0 : random.nextDouble() * 1e6 - 5e5;
            case BOOL:
                return random.nextBoolean();
            case UUID:
                return new UUID(random.nextLong(), random.nextLong());
            case STRING:
                return WORDS[random.nextInt(WORDS.length)] + (random.nextBoolean() ? "" : random.nextInt(100));
            case BYTES:
                return bytes(12);
            case RECORDS:
                return ByteBufRecords.wrap(bytes(24));
            case STRUCT: {
                Object s = structClass(spec, t.structName()).getConstructor().newInstance();
                fill(s, spec, spec.structs().get(t.structName()), v, depth + 1);
                return s;
            }
            case ARRAY: {
                int n = depth > 3 ? 0 : random.nextInt(depth > 1 ? 2 : 4);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(value(spec, t.element(), v, depth + 1));
                }
                return list;
            }
            default:
                throw new IllegalArgumentException(t.toString());
        }
    }

    private byte[] bytes(int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }

    private static Class<?> structClass(MessageSpec spec, String name) throws ClassNotFoundException {
        return Class.forName(PACKAGE + "." + spec.name() + "$" + name);
    }

    private static Class<?> javaClass(MessageSpec spec, FieldType t) throws ClassNotFoundException {
        switch (t.kind()) {
            case INT8:
                return byte.class;
            case INT16:
                return short.class;
            case UINT16:
            case INT32:
                return int.class;
            case UINT32:
            case INT64:
                return long.class;
            case FLOAT64:
                return double.class;
            case BOOL:
                return boolean.class;
            case UUID:
                return UUID.class;
            case STRING:
                return String.class;
            case BYTES:
                return byte[].class;
            case RECORDS:
                return Records.class;
            case STRUCT:
                return structClass(spec, t.structName());
            case ARRAY:
                return List.class;
            default:
                throw new IllegalArgumentException(t.toString());
        }
    }
}
