package io.samsa.testkit.blocking;

import java.util.Set;

/**
 * Tells an event-loop thread from any other: a thread is an event loop when its stack runs the {@code run()}
 * method of one of Netty's event loop classes. Samsa's shards are Netty's worker event loops, so they are covered
 * too. Other threads that Netty's {@code DefaultThreadFactory} creates (the broker's background scheduler, the
 * group coordinator's thread) may block and are not event loops here, although Netty's own BlockHound integration
 * would count every {@code FastThreadLocalThread}.
 *
 * <p>Only compares names: the check runs inside BlockHound's instrumentation, where loading a class would read
 * a jar, itself a blocking call.
 */
final class EventLoopThreads {
    private static final Set<String> EVENT_LOOP_CLASSES = Set.of(
            "io.netty.channel.epoll.EpollEventLoop",
            "io.netty.channel.nio.NioEventLoop",
            "io.netty.channel.kqueue.KQueueEventLoop",
            "io.netty.channel.DefaultEventLoop",
            "io.netty.channel.SingleThreadIoEventLoop",
            "io.netty.util.concurrent.DefaultEventExecutor");

    /** Per thread, once known: a thread runs one loop for its whole life. */
    private static final ThreadLocal<Boolean> CURRENT_IS_EVENT_LOOP = new ThreadLocal<>();

    private EventLoopThreads() {
    }

    /** {@link #runsAnEventLoop} for the current thread, remembered after the first call on each thread. */
    static boolean currentThreadRunsAnEventLoop() {
        Boolean known = CURRENT_IS_EVENT_LOOP.get();
        if (known == null) {
            known = runsAnEventLoop(Thread.currentThread());
            CURRENT_IS_EVENT_LOOP.set(known);
        }
        return known;
    }

    static boolean runsAnEventLoop(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if ("run".equals(frame.getMethodName()) && EVENT_LOOP_CLASSES.contains(frame.getClassName())) {
                return true;
            }
        }
        return false;
    }
}
