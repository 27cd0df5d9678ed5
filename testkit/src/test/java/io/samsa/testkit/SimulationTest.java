package io.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimulationTest {

    @AfterEach
    void clearProperties() {
        System.clearProperty("sim.seed");
        System.clearProperty("sim.seeds");
    }

    @Test
    void runsTheDefaultSeedsOrTheOnesThePropertiesName() {
        List<Long> seen = new ArrayList<>();
        Simulation.Summary s = Simulation.forEachSeed("count", 4, seen::add);
        assertEquals(List.of(1L, 2L, 3L, 4L), seen);
        assertEquals(4, s.seeds());

        seen.clear();
        System.setProperty("sim.seeds", "2");
        Simulation.forEachSeed("count", 4, seen::add);
        assertEquals(List.of(1L, 2L), seen);

        seen.clear();
        System.setProperty("sim.seed", "77");
        Simulation.forEachSeed("count", 4, seen::add);
        assertEquals(List.of(77L), seen, "one seed replays");
    }

    @Test
    void aFailureNamesItsSeedAndHowToReplayIt() {
        IllegalStateException bug = new IllegalStateException("invariant broken");
        AssertionError e = assertThrows(AssertionError.class, () -> Simulation.forEachSeed("demo", 10, seed -> {
            if (seed == 3) {
                throw bug;
            }
        }));
        assertTrue(e.getMessage().startsWith("demo failed with seed 3; replay exactly this run with -Dsim.seed=3"),
                e.getMessage());
        assertSame(bug, e.getCause());
    }
}
