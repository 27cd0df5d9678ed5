package io.samsa.log;

/**
 * The answer to a ListOffsets lookup by time: a record's exact {@code offset}, its {@code timestamp}, and the
 * leader epoch of the batch holding it ({@code -1} when the log knows none). {@link #NONE} (-1, -1, -1) when no
 * record matches. Immutable.
 */
public record TimestampOffset(long timestamp, long offset, int leaderEpoch) {
    public static final TimestampOffset NONE = new TimestampOffset(-1L, -1L, -1);

    /** True unless this is {@link #NONE}. */
    public boolean found() {
        return offset >= 0;
    }
}
