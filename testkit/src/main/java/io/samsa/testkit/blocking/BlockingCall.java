package io.samsa.testkit.blocking;

import java.util.List;

/**
 * One place where an event loop blocked: the blocking JDK methods reached from it, the thread that did it (the
 * first time), how often it happened, and the stack from the first frame outside the JDK.
 */
public record BlockingCall(List<String> blockingMethods, String thread, long count, String stack) {

    /** A readable paragraph for a test failure or a report. */
    public String describe() {
        return "BLOCKING on an event loop: " + String.join(", ", blockingMethods) + " on " + thread + " ("
                + count + (count == 1 ? " time" : " times") + ")" + stack;
    }
}
