package io.samsa.controller;

/**
 * Told about every committed change to the metadata: the server uses it to create or delete
 * partition logs, update leadership and refresh caches.
 *
 * <p>Called on the controller thread, in commit order, before the futures of the operations in
 * that commit complete (so a client that sees CreateTopics succeed finds the partitions' logs).
 * Implementations must return quickly and must not block on the controller.
 */
@FunctionalInterface
public interface MetadataListener {
    /**
     * {@code delta} holds what changed since {@code delta.base()}; {@code image} is the new
     * committed image. The first call after registration has the empty image as its base and
     * the whole current image as its change.
     */
    void onMetadataUpdate(MetadataDelta delta, MetadataImage image);
}
