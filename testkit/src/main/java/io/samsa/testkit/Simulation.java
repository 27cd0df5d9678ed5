package io.samsa.testkit;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * Runs a simulation once per seed and reports a failing seed so that it can be replayed exactly.
 *
 * <ul>
 *   <li>{@code -Dsim.seed=N} runs seed N only (the replay of a failure);</li>
 *   <li>{@code -Dsim.seeds=K} runs K seeds instead of the test's default count (the {@code -Psim} Maven profile
 *       sets thousands), starting at {@code -Dsim.firstSeed=F} (default 1).</li>
 * </ul>
 *
 * <p>A failure stops the run and is rethrown as an {@link AssertionError} whose message names the simulation, the
 * seed and the command line property that replays it, with the original failure as its cause. With
 * {@code -Dsim.keepGoing=true} ({@code scripts/simulate}) every seed runs: each failure is printed with its seed
 * as it happens, and the end of the run prints {@code <name>: N passed, M failed} and throws when any failed.
 * Every source of choice in a run must come from the seed (the {@link SimScheduler}'s random): no wall clock, no
 * other threads.
 */
public final class Simulation {
    private Simulation() {
    }

    /**
     * The seeded random of one run. The seed is scrambled first: {@link Random}'s first outputs for consecutive
     * small seeds are strongly correlated (seeds 1, 3, 5... would all make the same first choice).
     */
    public static Random random(long seed) {
        return new Random(new SplittableRandom(seed).nextLong());
    }

    /** One run of a simulation. */
    @FunctionalInterface
    public interface Run {
        void run(long seed) throws Exception;
    }

    /** Runs {@code run} for each seed the system properties ask for, {@code defaultSeeds} of them by default. */
    public static Summary forEachSeed(String name, int defaultSeeds, Run run) {
        long first;
        long count;
        String one = System.getProperty("sim.seed");
        if (one != null && !one.isBlank()) {
            first = Long.parseLong(one.trim());
            count = 1;
        } else {
            first = Long.getLong("sim.firstSeed", 1);
            count = Long.getLong("sim.seeds", defaultSeeds);
        }
        boolean keepGoing = Boolean.getBoolean("sim.keepGoing");
        long started = System.nanoTime();
        long failed = 0;
        AssertionError firstFailure = null;
        for (long seed = first; seed < first + count; seed++) {
            try {
                run.run(seed);
            } catch (Throwable t) {
                String msg = name + " failed with seed " + seed + "; replay exactly this run with -Dsim.seed=" + seed;
                System.err.println(msg);
                AssertionError e = new AssertionError(msg + ": " + t, t);
                if (!keepGoing) {
                    throw e;
                }
                System.err.println(msg + ": " + t);
                failed++;
                if (firstFailure == null) {
                    firstFailure = e;
                }
            }
        }
        if (keepGoing) {
            System.out.println(name + ": " + (count - failed) + " passed, " + failed + " failed");
            if (firstFailure != null) {
                throw firstFailure;
            }
        }
        return new Summary(first, count, (System.nanoTime() - started) / 1_000_000);
    }

    /** Which seeds ran and how long they took. */
    public record Summary(long firstSeed, long seeds, long elapsedMs) {
    }
}
