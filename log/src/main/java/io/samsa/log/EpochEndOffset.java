package io.samsa.log;

/**
 * The answer to OffsetsForLeaderEpoch for one partition: the largest epoch at or below the requested one and
 * the offset where it ended (the start of the next epoch, or the log end offset for the latest epoch).
 * {@link #UNDEFINED} (-1, -1) when the requested epoch is above every known epoch or none is known.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
