package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.samsa.testkit.blocking.BlockingCall;
import io.samsa.testkit.blocking.BlockingCallError;
import io.samsa.testkit.blocking.BlockingCalls;
import io.samsa.testkit.fixture.FixtureLauncher;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;

/**
 * The blocking gate is live in this module's integration tests: BlockHound is installed, the broker's worker
 * event loops (its shards) count as non-blocking, other threads do not, and what blocks on a loop is recorded
 * with its call site, and the class during which it happened fails. The recorded calls are collected here, so
 * this class itself passes the gate.
 */
class BlockingGateIT {
    @TempDir
    Path dir;

    @Test
    void openingAndForcingAFileOnAWorkerEventLoopIsRecorded() throws Exception {
        assertTrue(BlockingCalls.installed(), "BlockHound installed");
        BlockingCalls.collect();
        EventLoopGroup workers = SamsaServer.newWorkerGroup(1);
        try {
            workers.submit(() -> openAndForce(dir.resolve("on-the-loop"))).get(10, TimeUnit.SECONDS);
        } finally {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        // One call site per line: the open (seen at FileChannel.open and at the system call) and the force.
        List<BlockingCall> calls = new ArrayList<>(BlockingCalls.collect());
        calls.sort(Comparator.comparing(BlockingCall::stack));
        assertEquals(2, calls.size(), calls.toString());
        for (BlockingCall call : calls) {
            assertTrue(call.thread().startsWith("samsa-io-"), call.thread());
            assertTrue(call.stack().startsWith("\n\tat " + BlockingGateIT.class.getName() + ".openAndForce("),
                    call.stack());
        }
        assertEquals(List.of("java.nio.channels.FileChannel.open", "sun.nio.fs.UnixNativeDispatcher.open0"),
                calls.get(0).blockingMethods());
        assertEquals(List.of("sun.nio.ch.FileChannelImpl#force"), calls.get(1).blockingMethods());
    }

    @Test
    void waitingOnAFutureOnAWorkerEventLoopIsRecorded() throws Exception {
        BlockingCalls.collect();
        EventLoopGroup workers = SamsaServer.newWorkerGroup(1);
        try {
            CompletableFuture<String> done = CompletableFuture.completedFuture("x");
            workers.submit(() -> done.get()).get(10, TimeUnit.SECONDS);
        } finally {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        List<BlockingCall> calls = BlockingCalls.collect();
        assertEquals(1, calls.size(), calls.toString());
        assertEquals(List.of("java.util.concurrent.CompletableFuture#get"), calls.get(0).blockingMethods());
    }

    @Test
    void otherThreadsMayBlock() throws Exception {
        BlockingCalls.collect();
        // The broker's background scheduler uses Netty's DefaultThreadFactory too, but is not an event loop.
        ExecutorService background = Executors.newSingleThreadExecutor(new DefaultThreadFactory("samsa-background"));
        try {
            background.submit(() -> openAndForce(dir.resolve("off-the-loop"))).get(10, TimeUnit.SECONDS);
        } finally {
            background.shutdownNow();
        }

        assertEquals(List.of(), BlockingCalls.collect());
    }

    @Test
    void aClassDuringWhichALoopBlockedFailsNamingTheCallSite() {
        BlockingCalls.collect();
        Map<String, TestExecutionResult> results = FixtureLauncher.run(SleepingOnALoop.class);

        TestExecutionResult result = results.get(SleepingOnALoop.class.getName());
        assertEquals(TestExecutionResult.Status.FAILED, result.getStatus());
        BlockingCallError error = assertInstanceOf(BlockingCallError.class, result.getThrowable().orElseThrow());
        assertEquals(1, error.calls().size(), error.getMessage());
        assertEquals(List.of("java.lang.Thread.sleep"), error.calls().get(0).blockingMethods());
        assertTrue(error.calls().get(0).stack().contains("SleepingOnALoop.lambda$sleepOnALoop"), error.getMessage());
    }

    @ExtendWith(FixtureLauncher.OnlyWhenLaunched.class)
    static final class SleepingOnALoop {
        @Test
        void sleepOnALoop() throws Exception {
            EventLoopGroup workers = SamsaServer.newWorkerGroup(1);
            try {
                workers.submit(() -> {
                    Thread.sleep(1);
                    return null;
                }).get(10, TimeUnit.SECONDS);
            } finally {
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    private static Void openAndForce(Path file) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.delete(file);
        return null;
    }
}
