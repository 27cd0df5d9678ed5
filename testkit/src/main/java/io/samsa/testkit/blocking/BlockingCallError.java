package io.samsa.testkit.blocking;

import java.util.List;

/** Fails a test class while whose tests an event loop blocked. */
public final class BlockingCallError extends AssertionError {
    private static final long serialVersionUID = 1L;

    private final transient List<BlockingCall> calls;

    BlockingCallError(String testClass, List<BlockingCall> calls) {
        super(message(testClass, calls));
        this.calls = List.copyOf(calls);
    }

    public List<BlockingCall> calls() {
        return calls;
    }

    private static String message(String testClass, List<BlockingCall> calls) {
        StringBuilder sb = new StringBuilder();
        sb.append("An event loop blocked at ").append(calls.size()).append(calls.size() == 1 ? " place" : " places")
                .append(" while ").append(testClass).append(" ran (fix it, or allow it in testkit's"
                        + " BlockingAllowances with a reason; see docs/architecture-gates.md):");
        for (BlockingCall call : calls) {
            sb.append("\n\n").append(call.describe());
        }
        return sb.toString();
    }
}
