package io.samsa.testkit.leak;

import java.util.List;

/** Fails a test class after whose tests Netty's detector reported one or more leaks. */
public final class LeakError extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final transient List<Leak> leaks;

    LeakError(String testClass, List<Leak> leaks) {
        super(message(testClass, leaks));
        this.leaks = List.copyOf(leaks);
    }

    public List<Leak> leaks() {
        return leaks;
    }

    private static String message(String testClass, List<Leak> leaks) {
        StringBuilder sb = new StringBuilder();
        sb.append(leaks.size()).append(leaks.size() == 1 ? " leak" : " leaks")
                .append(" found after the tests of ").append(testClass)
                .append(" ran (a leak that the GC found late may belong to the class before; the records say where"
                        + " each object was created and last touched):");
        for (Leak leak : leaks) {
            sb.append("\n\n").append(leak.describe());
        }
        return sb.toString();
    }
}
