package io.samsa.wire.message;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Drives one release of the official Kafka client's generated message classes by reflection, so that
 * the same code serves kafka-clients 4.4.0 (on the test class path) and 3.9.1 (a jar loaded in its
 * own class loader, for the versions Kafka 4 dropped). Test-only; not thread-safe.
 */
final class KafkaOracle implements AutoCloseable {
    private final ClassLoader loader;
    private final URLClassLoader owned;
    private final Constructor<?> accessorCtor;
    private final Constructor<?> cacheCtor;
    private final Class<?> readable;
    private final Class<?> writable;
    private final Class<?> cacheClass;
    private final Map<String, Entry> classes = new HashMap<>();

    private record Entry(Constructor<?> ctor, Method size, Method write) {
    }

    private KafkaOracle(ClassLoader loader, URLClassLoader owned) throws ReflectiveOperationException {
        this.loader = loader;
        this.owned = owned;
        Class<?> accessor = Class.forName("org.apache.kafka.common.protocol.ByteBufferAccessor", true, loader);
        this.accessorCtor = accessor.getConstructor(ByteBuffer.class);
        this.cacheClass = Class.forName("org.apache.kafka.common.protocol.ObjectSerializationCache", true, loader);
        this.cacheCtor = cacheClass.getConstructor();
        this.readable = Class.forName("org.apache.kafka.common.protocol.Readable", true, loader);
        this.writable = Class.forName("org.apache.kafka.common.protocol.Writable", true, loader);
    }

    /** The kafka-clients release on the test class path (4.4.0). */
    static KafkaOracle current() throws ReflectiveOperationException {
        return new KafkaOracle(KafkaOracle.class.getClassLoader(), null);
    }

    /** kafka-clients 3.9.1 from {@code jar}, isolated from the test class path (plus slf4j-api). */
    static KafkaOracle legacy(Path jar) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Legacy client jar missing: " + jar + " (run mvn generate-test-resources)");
        }
        URL slf4j = org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL(), slf4j},
            ClassLoader.getPlatformClassLoader());
        return new KafkaOracle(cl, cl);
    }

    /** The official class for a schema name: requests, responses and headers end in "Data". */
    static String className(String schemaName, String type) {
        String simple = type.equals("data") ? schemaName : schemaName + "Data";
        return "org.apache.kafka.common.message." + simple;
    }

    boolean hasClass(String className) {
        try {
            entry(className);
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private Entry entry(String className) throws ReflectiveOperationException {
        Entry e = classes.get(className);
        if (e == null) {
            Class<?> c = Class.forName(className, true, loader);
            e = new Entry(c.getConstructor(readable, short.class), c.getMethod("size", cacheClass, short.class),
                c.getMethod("write", writable, cacheClass, short.class));
            classes.put(className, e);
        }
        return e;
    }

    /** Reads {@code bytes} with the official class; fails unless every byte is consumed. */
    Object read(String className, byte[] bytes, short version) throws Exception {
        ByteBuffer bb = ByteBuffer.wrap(bytes);
        Object msg = unwrap(() -> entry(className).ctor().newInstance(accessorCtor.newInstance(bb), version));
        if (bb.hasRemaining()) {
            throw new AssertionError(className + " v" + version + " left " + bb.remaining() + " of " + bytes.length
                + " bytes unread");
        }
        return msg;
    }

    /** Writes an official message; returns its bytes and checks them against its own size. */
    byte[] write(String className, Object msg, short version) throws Exception {
        Entry e = entry(className);
        Object cache = cacheCtor.newInstance();
        int size = (Integer) unwrap(() -> e.size().invoke(msg, cache, version));
        ByteBuffer out = ByteBuffer.allocate(size);
        unwrap(() -> e.write().invoke(msg, accessorCtor.newInstance(out), cache, version));
        if (out.hasRemaining()) {
            throw new AssertionError(className + " v" + version + " wrote " + out.position() + " bytes, size said "
                + size);
        }
        return out.array();
    }

    private interface Call {
        Object call() throws Exception;
    }

    private static Object unwrap(Call c) throws Exception {
        try {
            return c.call();
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof Exception) {
                throw (Exception) t;
            }
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() throws java.io.IOException {
        if (owned != null) {
            owned.close();
        }
    }
}
