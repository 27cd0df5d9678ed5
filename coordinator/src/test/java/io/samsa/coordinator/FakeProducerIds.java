package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * Producer ids for tests: sequential from 1000, at once; or held back until {@link #release} (a block being
 * fetched); or failing. Test thread only.
 */
public final class FakeProducerIds implements ProducerIdSource {
    private long next = 1000;
    private final Queue<CompletableFuture<Long>> held = new ArrayDeque<>();
    public boolean hold;
    public ErrorCode failWith;
    public int asked;

    @Override
    public CompletableFuture<Long> nextProducerId() {
        asked++;
        if (failWith != null) {
            return CompletableFuture.failedFuture(new SamsaException(failWith, "injected"));
        }
        if (hold) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            held.add(f);
            return f;
        }
        return CompletableFuture.completedFuture(next++);
    }

    /** Completes every held request, in order. */
    public void release() {
        CompletableFuture<Long> f;
        while ((f = held.poll()) != null) {
            f.complete(next++);
        }
    }

    /** The id the next request gets. */
    public long peek() {
        return next;
    }
}
