package io.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
    private static final long T0 = 5_000L;

    private record Received(int from, int message, long at, boolean onItsExecutor) {
    }

    private static final class Fixture {
        final SimScheduler scheduler;
        final SimNetwork<Integer> net;
        final List<Received> atB = new ArrayList<>();
        final SimExecutor b;

        Fixture(long seed, SimNetwork.Config config) {
            scheduler = new SimScheduler(Simulation.random(seed), T0);
            net = new SimNetwork<>(scheduler, config);
            net.register(1, scheduler.executor("a"), (from, m) -> { });
            b = scheduler.executor("b");
            net.register(2, b, (from, m) -> atB.add(new Received(from, m, scheduler.nowMillis(), b.inExecutor())));
        }

        List<Integer> messages() {
            return atB.stream().map(Received::message).toList();
        }
    }

    @Test
    void withoutReorderingALinkDeliversInOrderAfterItsDelays() {
        Fixture f = new Fixture(1, new SimNetwork.Config(2, 50, 0, 0, false));
        for (int i = 0; i < 100; i++) {
            f.net.send(1, 2, i);
        }
        f.scheduler.runUntilIdle();
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add(i);
        }
        assertEquals(expected, f.messages());
        for (Received r : f.atB) {
            assertEquals(1, r.from());
            assertTrue(r.onItsExecutor(), "handlers run on the receiver's executor");
            assertTrue(r.at() >= T0 + 2 && r.at() <= T0 + 50, "delay " + (r.at() - T0));
        }
    }

    @Test
    void reorderingDropsAndDuplicatesFollowTheSeed() {
        SimNetwork.Config lossy = new SimNetwork.Config(1, 100, 0.2, 0.1, true);
        Fixture f = new Fixture(9, lossy);
        for (int i = 0; i < 1000; i++) {
            f.net.send(1, 2, i);
        }
        f.scheduler.runUntilIdle();
        List<Integer> got = f.messages();
        assertTrue(f.net.dropped() > 100 && f.net.dropped() < 300, "dropped " + f.net.dropped());
        assertTrue(f.net.duplicated() > 40 && f.net.duplicated() < 140, "duplicated " + f.net.duplicated());
        assertEquals(1000 - f.net.dropped() + f.net.duplicated(), got.size());
        assertNotEquals(got.stream().sorted().toList(), got, "reordered");

        Fixture again = new Fixture(9, lossy);
        for (int i = 0; i < 1000; i++) {
            again.net.send(1, 2, i);
        }
        again.scheduler.runUntilIdle();
        assertEquals(got, again.messages(), "the same seed replays the same deliveries");
    }

    @Test
    void partitionsCutLinksUntilHealedAndACrashLosesWhatIsInFlight() {
        Fixture f = new Fixture(3, new SimNetwork.Config(10, 10, 0, 0, false));
        f.net.partition(List.of(1), List.of(2));
        f.net.send(1, 2, 1);
        f.scheduler.runUntilIdle();
        f.net.heal();
        f.net.send(1, 2, 2);
        f.net.send(1, 2, 3);
        f.scheduler.runFor(5);
        f.net.cut(1, 2);
        f.scheduler.runUntilIdle();
        assertEquals(List.of(), f.messages(), "cut when sent, or when arriving: dropped");
        f.net.heal(1, 2);

        f.net.send(1, 2, 4);
        f.scheduler.runFor(5);
        f.net.crash(2);
        f.b.kill();
        SimExecutor b2 = f.scheduler.executor("b2");
        f.net.register(2, b2, (from, m) -> f.atB.add(new Received(from, m, f.scheduler.nowMillis(), b2.inExecutor())));
        f.net.send(1, 2, 5);
        f.scheduler.runUntilIdle();
        assertEquals(List.of(5), f.messages(), "the message in flight to the crashed node was lost");
        assertTrue(f.atB.get(0).onItsExecutor());
    }
}
