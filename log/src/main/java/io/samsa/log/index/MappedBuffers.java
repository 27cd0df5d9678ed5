package io.samsa.log.index;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Unmaps a memory-mapped buffer now instead of at garbage collection, so that closing a cold segment frees
 * its index mappings at once. Uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported) through
 * reflection; if that is unavailable the mapping is left to the garbage collector.
 *
 * <p>The caller must guarantee nobody touches the buffer afterwards: a later access would crash the JVM.
 * Segment handles are reference-counted for exactly that reason. Thread-safe.
 */
public final class MappedBuffers {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> cls = Class.forName("sun.misc.Unsafe");
            Field f = cls.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = cls.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            cleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    private MappedBuffers() {
    }

    /** Unmaps {@code buffer} if it is a direct mapping; never throws. */
    public static void unmap(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Left to the garbage collector.
        }
    }
}
