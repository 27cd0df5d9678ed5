package io.samsa.testkit.blocking;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The blocking gate's state, one per test JVM: what {@link SamsaBlockHoundIntegration} saw block on an event
 * loop, grouped by call site (the stack below the JDK), until {@link #collect} hands it to the gate. Recording
 * does not throw into the event loop: the loop goes on as in production, and the gate fails the test class
 * afterwards with every call site at once. Thread-safe.
 */
public final class BlockingCalls {
    private static final int MAX_FRAMES = 40;

    private static final Map<String, Site> SITES = new ConcurrentHashMap<>();
    private static volatile boolean installed;

    private BlockingCalls() {
    }

    /** True once BlockHound has installed {@link SamsaBlockHoundIntegration} in this JVM. */
    public static boolean installed() {
        return installed;
    }

    static void markInstalled() {
        installed = true;
    }

    /** Called on the blocking thread by BlockHound, for a blocking method outside every allowance. */
    static void record(String blockingMethod) {
        Thread thread = Thread.currentThread();
        String stack = applicationStack(thread.getStackTrace());
        SITES.computeIfAbsent(stack, s -> new Site(thread.getName(), s)).hit(blockingMethod);
    }

    /** Returns (and forgets) every call site recorded since the last call. */
    public static List<BlockingCall> collect() {
        List<BlockingCall> out = new ArrayList<>();
        for (String key : new ArrayList<>(SITES.keySet())) {
            Site site = SITES.remove(key);
            if (site != null) {
                out.add(site.snapshot());
            }
        }
        return out;
    }

    /** The stack from the first frame that is neither the JDK nor BlockHound nor this gate, as text. */
    private static String applicationStack(StackTraceElement[] frames) {
        int first = 0;
        while (first < frames.length && !isApplicationFrame(frames[first])) {
            first++;
        }
        if (first == frames.length) {
            first = 0;
        }
        StringBuilder sb = new StringBuilder();
        int end = Math.min(frames.length, first + MAX_FRAMES);
        for (int i = first; i < end; i++) {
            sb.append("\n\tat ").append(frames[i]);
        }
        if (end < frames.length) {
            sb.append("\n\t... ").append(frames.length - end).append(" more");
        }
        return sb.toString();
    }

    private static boolean isApplicationFrame(StackTraceElement frame) {
        String cls = frame.getClassName();
        return !(cls.startsWith("java.") || cls.startsWith("javax.") || cls.startsWith("sun.")
                || cls.startsWith("jdk.") || cls.startsWith("reactor.blockhound.")
                || cls.startsWith(BlockingCalls.class.getPackageName() + "."));
    }

    private static final class Site {
        private final String thread;
        private final String stack;
        private final Set<String> methods = new TreeSet<>();
        private long count;

        Site(String thread, String stack) {
            this.thread = thread;
            this.stack = stack;
        }

        synchronized void hit(String method) {
            methods.add(method);
            count++;
        }

        synchronized BlockingCall snapshot() {
            return new BlockingCall(List.copyOf(methods), thread, count, stack);
        }
    }
}
