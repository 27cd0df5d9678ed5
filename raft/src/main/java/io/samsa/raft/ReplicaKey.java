package io.samsa.raft;

import java.util.UUID;

/**
 * A replica of the metadata log as KIP-853 names it: its node id and the id of its metadata log directory (a
 * random id given when the directory was formatted). A node whose disk was wiped comes back with a new
 * directory id, and so as a different replica: the voter set names the old one until it is removed. With static
 * voters ({@code controller.quorum.voters}) directory ids are unknown: {@link #NO_DIRECTORY}. Immutable.
 */
public record ReplicaKey(int id, UUID directoryId) implements Comparable<ReplicaKey> {
    /** The directory id of a replica whose directory is not known (Kafka's zero uuid). */
    public static final UUID NO_DIRECTORY = new UUID(0L, 0L);

    public ReplicaKey {
        directoryId = directoryId == null ? NO_DIRECTORY : directoryId;
    }

    public static ReplicaKey of(int id) {
        return new ReplicaKey(id, NO_DIRECTORY);
    }

    public boolean hasDirectory() {
        return !NO_DIRECTORY.equals(directoryId);
    }

    /**
     * Whether {@code other} is this replica: the same id, and the same directory id when both are known (a replica
     * without a known directory id matches any directory of its id, as static voters do).
     */
    public boolean matches(ReplicaKey other) {
        return id == other.id && (!hasDirectory() || !other.hasDirectory() || directoryId.equals(other.directoryId));
    }

    @Override
    public int compareTo(ReplicaKey o) {
        int c = Integer.compare(id, o.id);
        return c != 0 ? c : directoryId.compareTo(o.directoryId);
    }

    @Override
    public String toString() {
        return hasDirectory() ? id + "-" + directoryId : Integer.toString(id);
    }
}
