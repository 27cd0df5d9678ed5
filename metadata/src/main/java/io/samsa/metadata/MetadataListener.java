package io.samsa.metadata;

/**
 * Told about every committed change to the metadata, synchronously: the server uses it to create or
 * delete partition logs, update leadership and refresh caches.
 *
 * <p>Called in commit order on the thread that publishes images (the broker's metadata executor),
 * before the broker answers the request that made the change. Implementations must return quickly
 * and must not block on the controller.
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
