package io.samsa.wire.codegen;

/**
 * Version sets as 64-bit masks: bit {@code v} is set when version {@code v} belongs to the set.
 * Kafka's versions stay far below 64, and a mask turns the union of two schemas, whose field
 * ranges need not be contiguous, into plain bit arithmetic. Build-time only; stateless.
 */
public final class Versions {
    /** The largest version a mask can hold. */
    public static final int MAX = 63;

    private Versions() {
    }

    /** Parses Kafka's notation: {@code "none"}, {@code "3"}, {@code "1-4"} or {@code "2+"}. */
    public static long parse(String spec) {
        String s = spec.trim();
        if (s.equals("none") || s.isEmpty()) {
            return 0L;
        }
        try {
            if (s.endsWith("+")) {
                int low = check(Integer.parseInt(s.substring(0, s.length() - 1).trim()), spec);
                return -1L << low;
            }
            int dash = s.indexOf('-');
            if (dash > 0) {
                int low = check(Integer.parseInt(s.substring(0, dash).trim()), spec);
                int high = check(Integer.parseInt(s.substring(dash + 1).trim()), spec);
                if (high < low) {
                    throw new IllegalArgumentException("Empty version range " + spec);
                }
                return range(low, high);
            }
            return 1L << check(Integer.parseInt(s), spec);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Bad version range '" + spec + "'", e);
        }
    }

    private static int check(int v, String spec) {
        if (v < 0 || v > MAX) {
            throw new IllegalArgumentException("Version out of range in '" + spec + "'");
        }
        return v;
    }

    /** The versions {@code low..high}, both inclusive. */
    public static long range(int low, int high) {
        long upTo = high == MAX ? -1L : (1L << (high + 1)) - 1;
        return upTo & (-1L << low);
    }

    public static boolean contains(long mask, int version) {
        return version >= 0 && version <= MAX && (mask & (1L << version)) != 0;
    }

    /** The lowest version in the mask, or -1 when empty. */
    public static int lowest(long mask) {
        return mask == 0 ? -1 : Long.numberOfTrailingZeros(mask);
    }

    /** The highest version in the mask, or -1 when empty. */
    public static int highest(long mask) {
        return mask == 0 ? -1 : MAX - Long.numberOfLeadingZeros(mask);
    }

    /** Whether the mask is one run of consecutive versions (or empty). */
    public static boolean contiguous(long mask) {
        return mask == 0 || mask == range(lowest(mask), highest(mask));
    }

    /** Human-readable form, e.g. {@code "0-3,7"}. */
    public static String describe(long mask) {
        if (mask == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        int v = 0;
        while (v <= MAX) {
            if (!contains(mask, v)) {
                v++;
                continue;
            }
            int start = v;
            while (v + 1 <= MAX && contains(mask, v + 1)) {
                v++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(start);
            if (v > start) {
                sb.append('-').append(v);
            }
            v++;
        }
        return sb.toString();
    }

    /**
     * A Java boolean expression over {@code var} that is true for the versions of {@code mask}
     * among the {@code valid} ones; versions outside {@code valid} never occur, so they are free
     * to simplify the bounds. Returns {@code "true"} or {@code "false"} when constant.
     */
    public static String condition(long mask, long valid, String var) {
        long in = mask & valid;
        if (in == 0) {
            return "false";
        }
        if (in == valid) {
            return "true";
        }
        int validLow = lowest(valid);
        int validHigh = highest(valid);
        StringBuilder sb = new StringBuilder();
        int v = validLow;
        int runs = 0;
        while (v <= validHigh) {
            if (!contains(in, v)) {
                v++;
                continue;
            }
            int start = v;
            int end = v;
            // extend over versions that are either in the mask or impossible (not valid)
            int w = v + 1;
            while (w <= validHigh && (contains(in, w) || !contains(valid, w))) {
                if (contains(in, w)) {
                    end = w;
                }
                w++;
            }
            v = end + 1;
            String term;
            boolean lowOpen = start == validLow;
            boolean highOpen = end == validHigh;
            if (lowOpen && highOpen) {
                term = "true";
            } else if (lowOpen) {
                term = var + " <= " + end;
            } else if (highOpen) {
                term = var + " >= " + start;
            } else if (start == end) {
                term = var + " == " + start;
            } else {
                term = "(" + var + " >= " + start + " && " + var + " <= " + end + ")";
            }
            if (runs++ > 0) {
                sb.append(" || ");
            }
            sb.append(term);
        }
        return runs > 1 ? "(" + sb + ")" : sb.toString();
    }
}
