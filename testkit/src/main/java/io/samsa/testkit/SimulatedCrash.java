package io.samsa.testkit;

/**
 * Thrown by a simulated component when its node crashes under the running code (a {@link SimDisk} operation chosen
 * as a crash point) and by every later call from the dead node: it unwinds the node's stack. An {@link Error}, so that
 * code catching {@code IOException} or {@code RuntimeException} to handle ordinary failures does not swallow it. The
 * {@link SimScheduler} absorbs it when it ends a task; a test that calls the dead node directly catches it.
 */
public final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    public SimulatedCrash(String message) {
        super(message, null, false, false);
    }
}
