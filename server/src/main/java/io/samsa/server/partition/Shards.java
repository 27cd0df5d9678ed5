package io.samsa.server.partition;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;

/**
 * The shards that own partitions: the Netty worker event loops, in a fixed order, and the deterministic choice
 * of one per partition (a hash of topic name and index), so that one thread writes each partition for the life
 * of the process. Immutable and thread-safe.
 */
public final class Shards {
    private final EventLoop[] loops;

    public Shards(EventLoopGroup group) {
        List<EventLoop> out = new ArrayList<>();
        for (EventExecutor e : group) {
            out.add((EventLoop) e);
        }
        this.loops = out.toArray(new EventLoop[0]);
    }

    /** The shard that owns {@code topic}-{@code partition}. */
    public EventLoop shardOf(String topic, int partition) {
        return loops[Math.floorMod(31 * topic.hashCode() + partition, loops.length)];
    }

    public int size() {
        return loops.length;
    }
}
