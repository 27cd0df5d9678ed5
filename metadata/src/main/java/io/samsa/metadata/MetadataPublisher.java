package io.samsa.metadata;

import java.util.concurrent.CompletableFuture;

/**
 * Takes each new metadata image from the {@link MetadataLoader}, in commit order: partition hosting, the image
 * request handlers read, coordinators. The loader hands a publisher the next image only after its future for the
 * previous one completed; a failed future is retried with the same delta and image after a backoff.
 *
 * <p>Called on the loader's executor, one call at a time; the work may continue elsewhere (the future completes
 * on any thread). Must not block.
 */
public interface MetadataPublisher {

    /** A short name for logs. */
    String name();

    /**
     * Applies {@code delta} (what changed from {@code delta.base()}) and {@code image} (the new image). The first
     * call has the empty image as its base and the whole image as its change. The future completes when the
     * change is applied; it fails when it must be retried (the publisher must then take the same call again).
     */
    CompletableFuture<Void> onMetadataUpdate(MetadataDelta delta, MetadataImage image);
}
