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
