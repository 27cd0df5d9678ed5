package io.samsa.raft;

/**
 * Names a snapshot: it holds the state of every record below {@code endOffset}, the last of which was written
 * in {@code epoch}. Its file is {@code <endOffset, 20 digits>-<epoch, 10 digits>.checkpoint}, as in KRaft.
 * Immutable.
 */
public record SnapshotId(long endOffset, int epoch) {
    /** The file suffix of a finished snapshot. */
    public static final String SUFFIX = ".checkpoint";
    /** The suffix of a snapshot being written; left over after a crash, deleted at open. */
    public static final String PARTIAL_SUFFIX = ".checkpoint.part";

    /** The snapshot's file name. */
    public String fileName() {
        return String.format("%020d-%010d%s", endOffset, epoch, SUFFIX);
    }

    /** The id a snapshot file name encodes, or null when {@code name} is not a snapshot's. */
    public static SnapshotId parse(String name) {
        if (name.length() != 20 + 1 + 10 + SUFFIX.length() || !name.endsWith(SUFFIX) || name.charAt(20) != '-') {
            return null;
        }
        for (int i = 0; i < 31; i++) {
            if (i != 20 && !Character.isDigit(name.charAt(i))) {
                return null;
            }
        }
        long end = Long.parseLong(name.substring(0, 20));
        long epoch = Long.parseLong(name.substring(21, 31));
        return epoch > Integer.MAX_VALUE ? null : new SnapshotId(end, (int) epoch);
    }
}
