package io.samsa.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadExecutorTest {

    @Test
    void runsTasksOneAtATimeInSubmissionOrderOnItsOwnThread() throws Exception {
        try (ThreadExecutor ex = new ThreadExecutor("test-serial")) {
            assertFalse(ex.inExecutor());
            List<Integer> seen = new ArrayList<>();
            CompletableFuture<Boolean> inside = new CompletableFuture<>();
            for (int i = 0; i < 1000; i++) {
                int n = i;
                ex.execute(() -> seen.add(n));
            }
            ex.execute(() -> inside.complete(ex.inExecutor()));
            assertTrue(inside.get(10, TimeUnit.SECONDS));
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                expected.add(i);
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void runOrExecuteRunsInlineOnlyOnTheExecutor() throws Exception {
        try (ThreadExecutor ex = new ThreadExecutor("test-inline")) {
            CompletableFuture<String> order = new CompletableFuture<>();
            ex.execute(() -> {
                StringBuilder sb = new StringBuilder();
                ex.runOrExecute(() -> sb.append("inline"));
                sb.append("-after");
                order.complete(sb.toString());
            });
            assertEquals("inline-after", order.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCancelledScheduledTaskNeverRunsAndAFailingTaskDoesNotStopLaterOnes() throws Exception {
        try (ThreadExecutor ex = new ThreadExecutor("test-schedule")) {
            CountDownLatch ran = new CountDownLatch(1);
            Scheduler.Cancellable c = ex.schedule(() -> {
                throw new AssertionError("cancelled task ran");
            }, 200);
            assertTrue(c.cancel());
            ex.execute(() -> {
                throw new IllegalStateException("expected by the test");
            });
            ex.schedule(ran::countDown, 50);
            assertTrue(ran.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void tasksAfterCloseAreDropped() {
        ThreadExecutor ex = new ThreadExecutor("test-closed");
        assertTrue(ex.close(10_000));
        ex.execute(() -> {
            throw new AssertionError("ran after close");
        });
        assertFalse(ex.schedule(() -> { }, 0).cancel());
    }
}
