package io.samsa.testkit.blocking;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * The blocking gate's BlockHound configuration, loaded by BlockHound through META-INF/services when a module's
 * integration tests install it (blockhound-junit-platform on the failsafe class path). It decides:
 *
 * <ul>
 *   <li>which threads must not block: Netty's event loops, and nothing else ({@link EventLoopThreads});</li>
 *   <li>what blocks, beyond BlockHound's defaults (sleep, park and therefore every lock and latch wait,
 *       {@code Object.wait}, {@code java.io} streams and sockets): fsync ({@code FileChannel.force},
 *       {@code MappedByteBuffer.force}), opening a file (NIO and {@code java.io}), and {@code Future.get};</li>
 *   <li>where blocking is allowed ({@link BlockingAllowances});</li>
 *   <li>what happens: the call is recorded in {@link BlockingCalls} and the loop goes on; the
 *       {@link BlockingGateExtension} fails the test class afterwards.</li>
 * </ul>
 */
public final class SamsaBlockHoundIntegration implements BlockHoundIntegration {
    private static final String FUTURE_GET = "()Ljava/lang/Object;";
    private static final String FUTURE_TIMED_GET = "(JLjava/util/concurrent/TimeUnit;)Ljava/lang/Object;";

    @Override
    public int getPriority() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.nonBlockingThreadPredicate(previous -> EventLoopThreads::runsAnEventLoop);

        // fsync
        builder.markAsBlocking("sun.nio.ch.FileChannelImpl", "force", "(Z)V");
        builder.markAsBlocking("java.nio.MappedMemoryUtils", "force0", "(Ljava/io/FileDescriptor;JJ)V");
        // opening a file: every NIO open on Unix goes through open0; FileChannel.open names the usual caller
        builder.markAsBlocking("java.nio.channels.FileChannel", "open",
                "(Ljava/nio/file/Path;Ljava/util/Set;[Ljava/nio/file/attribute/FileAttribute;)"
                        + "Ljava/nio/channels/FileChannel;");
        builder.markAsBlocking("sun.nio.fs.UnixNativeDispatcher", "open0", "(JII)I");
        builder.markAsBlocking("java.io.RandomAccessFile", "open0", "(Ljava/lang/String;I)V");
        builder.markAsBlocking("java.io.FileInputStream", "open0", "(Ljava/lang/String;)V");
        builder.markAsBlocking("java.io.FileOutputStream", "open0", "(Ljava/lang/String;Z)V");
        // Future.get, even of a future that is already done (STYLE.md: no Future.get() on a loop). A get or join
        // that waits parks, and parking is blocking anyway. CompletableFuture.join is not marked by itself: the
        // allOf(..).thenApply(v -> each.join()) idiom joins futures that are done by construction.
        builder.markAsBlocking("java.util.concurrent.CompletableFuture", "get", FUTURE_GET);
        builder.markAsBlocking("java.util.concurrent.CompletableFuture", "get", FUTURE_TIMED_GET);
        builder.markAsBlocking("java.util.concurrent.FutureTask", "get", FUTURE_GET);
        builder.markAsBlocking("java.util.concurrent.FutureTask", "get", FUTURE_TIMED_GET);

        for (BlockingAllowances.Allowance allowance : BlockingAllowances.ALL) {
            builder.allowBlockingCallsInside(allowance.className(), allowance.method());
        }
        // Netty's integration compares equal to every other one, so it may be applied after this one and widen
        // the predicate to every FastThreadLocalThread: the callback checks the thread again.
        builder.blockingMethodCallback(method -> {
            if (EventLoopThreads.currentThreadRunsAnEventLoop()) {
                BlockingCalls.record(method.toString());
            }
        });
        BlockingCalls.markInstalled();
    }
}
