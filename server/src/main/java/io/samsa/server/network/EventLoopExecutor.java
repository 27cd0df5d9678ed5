package io.samsa.server.network;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.samsa.common.SerialExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A Netty event loop as the {@link SerialExecutor} seam: the shards that own partitions and the connections' loops
 * are these in production. {@link #execute} is the loop's MPSC task queue; {@link #schedule} its timer (a task
 * scheduled after the loop stopped is never run). Thread-safe.
 */
public final class EventLoopExecutor implements SerialExecutor {
    private static final Cancellable NOT_SCHEDULED = () -> false;

    private final EventLoop loop;

    public EventLoopExecutor(EventLoop loop) {
        this.loop = loop;
    }

    /** One executor per loop of {@code group}, in the group's fixed order. */
    public static List<EventLoopExecutor> of(EventLoopGroup group) {
        List<EventLoopExecutor> out = new ArrayList<>();
        for (EventExecutor e : group) {
            out.add(new EventLoopExecutor((EventLoop) e));
        }
        return out;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMs) {
        try {
            ScheduledFuture<?> f = loop.schedule(task, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return NOT_SCHEDULED;
        }
    }

    @Override
    public boolean inExecutor() {
        return loop.inEventLoop();
    }

    @Override
    public String toString() {
        return "EventLoopExecutor(" + loop + ")";
    }
}
