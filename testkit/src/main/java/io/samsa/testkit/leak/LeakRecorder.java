package io.samsa.testkit.leak;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The leak gate's state, one per test JVM: installs the recording detector factory, collects the leaks Netty's
 * detectors report (from any thread), and makes them report now rather than at some later allocation.
 *
 * <p>Netty finds a leak only when the garbage collector has cleared an unreleased buffer <em>and</em> a later
 * allocation through the same detector polls its reference queue. {@link #collect} forces both: a full GC,
 * a wait until the reference handler has enqueued what that GC cleared, then a few allocations.
 *
 * <p>Thread-safe. {@link #install} must run before anything initializes {@code AbstractByteBuf}, which creates
 * the buffer detector once per JVM; {@link LeakGateSessionListener} does it when the launcher session opens.
 */
public final class LeakRecorder {
    /** GC rounds per collection; a leak cleared by the first GC is usually reported after it. */
    private static final int GC_ROUNDS = Integer.getInteger("samsa.leakGate.gcRounds", 2);
    private static final long GC_WAIT_MILLIS = 2_000;

    private static final Queue<Leak> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;

    private LeakRecorder() {
    }

    /** Idempotent: installs the recording factory and paranoid detection (every buffer tracked). */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingLeakDetectorFactory());
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        installed = true;
    }

    /**
     * Why the gate cannot see buffer leaks in this JVM, or null when it can: the buffer detector must be ours,
     * which it is only if {@link #install} ran before {@code AbstractByteBuf} was initialized.
     */
    public static String inactiveReason() {
        if (!installed) {
            return "LeakRecorder.install() has not run";
        }
        try {
            Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            Object detector = field.get(null);
            if (detector instanceof RecordingLeakDetector) {
                return null;
            }
            return "ByteBuf's leak detector is a " + detector.getClass().getName()
                    + ": something initialized AbstractByteBuf before the launcher session opened";
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "cannot inspect AbstractByteBuf.leakDetector (" + e + ")";
        }
    }

    static void record(Leak leak) {
        LEAKS.add(leak);
    }

    /**
     * Forces the detectors to report every buffer that is unreachable now, then returns (and forgets) every leak
     * reported since the last call. Called on the test thread after a test class has run.
     */
    public static List<Leak> collect() {
        for (int round = 0; round < GC_ROUNDS; round++) {
            collectGarbage();
            pollBufferDetector();
        }
        List<Leak> out = new ArrayList<>();
        for (Leak leak; (leak = LEAKS.poll()) != null; ) {
            out.add(leak);
        }
        return out;
    }

    /** A full GC, then a wait until the reference handler has enqueued a sentinel cleared by that GC. */
    private static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(GC_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sentinel.clear();
    }

    /** Every tracked allocation drains the buffer detector's reference queue and reports what it finds. */
    private static void pollBufferDetector() {
        for (int i = 0; i < 4; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.heapBuffer(1);
            buf.release();
        }
    }
}
