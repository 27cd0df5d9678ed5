package io.samsa.server.security;

import java.lang.management.ManagementFactory;

/**
 * A fuzz test's check that a parser allocates in proportion to its input, not to a length or count the input
 * claims: the heap bytes the current thread allocates while a body runs, by the JVM's per-thread allocation counter
 * (HotSpot's {@code com.sun.management.ThreadMXBean}). A body over the bound runs once more before it fails, since
 * the first run of a code path also loads and initialises classes; a deterministic body allocates the same again.
 */
public final class AllocationBound {
    /** What a run may allocate besides its input's copies: exceptions, their stack traces, small buffers. */
    private static final long SLACK = 1L << 20;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A fuzz iteration's body. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private AllocationBound() {
    }

    /**
     * Runs {@code body}; fails when it allocated more than {@code perInputByte} times {@code inputBytes} plus a fixed
     * slack, twice in a row.
     */
    public static void check(int inputBytes, int perInputByte, Body body) throws Exception {
        long bound = SLACK + (long) perInputByte * inputBytes;
        long allocated = allocatedBy(body);
        if (allocated > bound) {
            allocated = allocatedBy(body);
            if (allocated > bound) {
                throw new AssertionError("allocated " + allocated + " bytes for an input of " + inputBytes
                        + " bytes (bound " + bound + ")");
            }
        }
    }

    private static long allocatedBy(Body body) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        body.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
