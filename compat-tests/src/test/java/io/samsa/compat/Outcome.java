package io.samsa.compat;

/** The result of one scenario with one client against one broker. Immutable. */
public record Outcome(Status status, String detail, long millis) {

    /** Pass, fail (with the reason) or skip (with the reason); NOT_APPLICABLE when the client has no such scenario. */
    public enum Status { PASS, FAIL, SKIP, NOT_APPLICABLE }

    public static Outcome pass(long millis) {
        return new Outcome(Status.PASS, "", millis);
    }

    public static Outcome fail(String reason, long millis) {
        return new Outcome(Status.FAIL, oneLine(reason), millis);
    }

    public static Outcome skip(String reason) {
        return new Outcome(Status.SKIP, oneLine(reason), 0);
    }

    public static Outcome notApplicable() {
        return new Outcome(Status.NOT_APPLICABLE, "", 0);
    }

    /** A scenario's body: returns null when it passed, or the skip/not-applicable outcome it chose. */
    @FunctionalInterface
    public interface Body {
        Outcome run() throws Exception;
    }

    /**
     * Runs {@code body} and times it: pass when it returns null, its own outcome when it returns one, fail
     * with the assertion's message (or the exception) when it throws.
     */
    public static Outcome timed(Body body) {
        long t0 = System.nanoTime();
        try {
            Outcome own = body.run();
            return own != null ? own : pass((System.nanoTime() - t0) / 1_000_000);
        } catch (Exception | AssertionError e) {
            return fail(e instanceof AssertionError ? e.getMessage() : e.toString(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** The short form shown in a matrix cell. */
    public String cell() {
        switch (status) {
            case PASS: return "pass";
            case FAIL: return "FAIL";
            case SKIP: return "skip";
            default: return "-";
        }
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
