package io.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.Scheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimSchedulerTest {
    private static final long T0 = 1_000_000L;

    /** Three executors each queue 20 tasks; returns the order in which they ran. */
    private static List<String> interleaving(long seed) {
        SimScheduler s = new SimScheduler(Simulation.random(seed), T0);
        List<String> trace = new ArrayList<>();
        for (String name : new String[] {"a", "b", "c"}) {
            SimExecutor e = s.executor(name);
            for (int i = 0; i < 20; i++) {
                int n = i;
                e.execute(() -> {
                    assertTrue(e.inExecutor());
                    trace.add(name + n);
                });
            }
        }
        s.runUntilIdle();
        return trace;
    }

    @Test
    void aSeedFixesTheInterleavingAndEachExecutorKeepsItsOrder() {
        List<String> first = interleaving(7);
        assertEquals(first, interleaving(7), "the same seed replays the same run");
        assertNotEquals(first, interleaving(8), "another seed interleaves differently");
        for (String name : new String[] {"a", "b", "c"}) {
            int next = 0;
            for (String t : first) {
                if (t.startsWith(name)) {
                    assertEquals(name + next++, t, "tasks of one executor run in submission order");
                }
            }
            assertEquals(20, next);
        }
    }

    @Test
    void timersRunInTimeOrderAndTheClockJumpsToThem() {
        SimScheduler s = new SimScheduler(Simulation.random(1), T0);
        SimExecutor e = s.executor("e");
        List<String> trace = new ArrayList<>();
        e.schedule(() -> trace.add("late@" + s.nowMillis()), 30);
        e.schedule(() -> trace.add("early@" + s.nowMillis()), 10);
        e.schedule(() -> trace.add("tie1@" + s.nowMillis()), 20);
        e.schedule(() -> trace.add("tie2@" + s.nowMillis()), 20);
        Scheduler.Cancellable c = e.schedule(() -> trace.add("cancelled"), 15);
        assertTrue(c.cancel());
        assertFalse(c.cancel());
        e.execute(() -> trace.add("now@" + s.nowMillis()));
        s.runFor(25);
        assertEquals(List.of("now@" + T0, "early@" + (T0 + 10), "tie1@" + (T0 + 20), "tie2@" + (T0 + 20)), trace);
        assertEquals(T0 + 25, s.nowMillis(), "runFor ends at now + the duration");
        s.runUntilIdle();
        assertEquals("late@" + (T0 + 30), trace.get(4));
        assertTrue(s.isIdle());
        assertEquals(T0 + 30, s.clock().milliseconds());
    }

    @Test
    void runUntilStopsWhenTheConditionHoldsAndFailsWhenIdleFirst() {
        SimScheduler s = new SimScheduler(Simulation.random(2), T0);
        SimExecutor e = s.executor("ticker");
        int[] ticks = {0};
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            ticks[0]++;
            e.schedule(tick[0], 100);
        };
        e.execute(tick[0]);
        s.runUntil(() -> ticks[0] == 5);
        assertEquals(5, ticks[0]);
        assertEquals(T0 + 400, s.nowMillis());
        assertThrows(IllegalStateException.class, () -> s.runUntilIdle(50), "a periodic timer is never idle");
        e.kill();
        assertTrue(s.isIdle(), "a killed executor's timers are gone");
        assertThrows(IllegalStateException.class, () -> s.runUntil(() -> false));
        e.execute(() -> ticks[0] = -1);
        s.runUntilIdle();
        assertTrue(ticks[0] > 0, "a killed executor ignores new tasks");
    }

    @Test
    void invariantsRunAfterEveryTaskAndACrashEndsOnlyItsTask() {
        SimScheduler s = new SimScheduler(Simulation.random(3), T0);
        SimExecutor e = s.executor("e");
        int[] checks = {0};
        s.addInvariant(() -> checks[0]++);
        List<String> trace = new ArrayList<>();
        e.execute(() -> trace.add("one"));
        e.execute(() -> {
            trace.add("two");
            throw new SimulatedCrash("boom");
        });
        e.execute(() -> trace.add("three"));
        s.runUntilIdle();
        assertEquals(List.of("one", "two", "three"), trace);
        assertEquals(3, checks[0]);
        assertEquals(1, s.crashedTasks());
        e.execute(() -> {
            throw new IllegalStateException("a bug");
        });
        assertThrows(IllegalStateException.class, s::runUntilIdle, "other failures stop the run");
    }
}
