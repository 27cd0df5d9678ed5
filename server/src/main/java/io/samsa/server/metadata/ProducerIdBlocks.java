package io.samsa.server.metadata;

import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.ProducerIdBlock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer ids this broker gives to idempotent producers (InitProducerId without a transactional id): blocks
 * of {@value ProducerIdBlock#SIZE} from the controller (AllocateProducerIds, KIP-730), each committed to the
 * metadata log before any of its ids is used, so an id is never given twice, across restarts too (a restarted
 * broker takes a new block; the rest of its old one is skipped). The next block is asked for once 90% of the
 * current one is gone, so a request rarely waits for one. Requests wait until the broker has registered (a block
 * is asked for with its broker epoch).
 *
 * <p>Thread-safe: a lock guards the blocks and the waiting requests; futures complete on the caller's thread (an
 * id at hand) or the controller's (after a block arrives), outside the lock.
 */
public final class ProducerIdBlocks {
    private static final Logger log = LoggerFactory.getLogger(ProducerIdBlocks.class);

    private final Controller controller;
    private final int brokerId;
    private final ArrayDeque<CompletableFuture<Long>> waiting = new ArrayDeque<>();
    private long brokerEpoch = -1;
    private long next;
    private long end;
    private ProducerIdBlock prefetched;
    private boolean fetching;

    public ProducerIdBlocks(Controller controller, int brokerId) {
        this.controller = controller;
        this.brokerId = brokerId;
    }

    /** The broker is registered with {@code epoch}: blocks may be asked for from now on. */
    public void registered(long epoch) {
        boolean fetch;
        synchronized (this) {
            brokerEpoch = epoch;
            fetch = claimFetch();
        }
        fetch(fetch);
    }

    /** A producer id no other producer ever got; fails when the controller cannot give a block. */
    public CompletableFuture<Long> nextId() {
        CompletableFuture<Long> f;
        boolean fetch;
        synchronized (this) {
            if (next == end && prefetched != null) {
                use(prefetched);
                prefetched = null;
            }
            if (next < end) {
                f = CompletableFuture.completedFuture(next++);
            } else {
                f = new CompletableFuture<>();
                waiting.add(f);
            }
            fetch = claimFetch();
        }
        fetch(fetch);
        return f;
    }

    /**
     * Under the lock: whether to ask for the next block now (none is on its way, the broker is registered, and a
     * tenth or less of this one is left); if so, marks it as on its way.
     */
    private boolean claimFetch() {
        if (fetching || prefetched != null || brokerEpoch < 0 || end - next > ProducerIdBlock.SIZE / 10) {
            return false;
        }
        fetching = true;
        return true;
    }

    /** Outside the lock: asks the controller for a block when {@link #claimFetch} said so. */
    private void fetch(boolean claimed) {
        if (claimed) {
            long epoch;
            synchronized (this) {
                epoch = brokerEpoch;
            }
            controller.allocateProducerIds(brokerId, epoch).whenComplete(this::arrived);
        }
    }

    private void use(ProducerIdBlock block) {
        next = block.firstProducerId();
        end = block.nextBlockStart();
    }

    private void arrived(Committed<ProducerIdBlock> block, Throwable failure) {
        List<CompletableFuture<Long>> served = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        List<CompletableFuture<Long>> failed = new ArrayList<>();
        boolean fetch = false;
        synchronized (this) {
            fetching = false;
            if (failure != null) {
                failed.addAll(waiting);
                waiting.clear();
            } else {
                if (next == end) {
                    use(block.value());
                } else {
                    prefetched = block.value();
                }
                while (!waiting.isEmpty() && (next < end || prefetched != null)) {
                    if (next == end) {
                        use(prefetched);
                        prefetched = null;
                    }
                    served.add(waiting.poll());
                    ids.add(next++);
                }
                fetch = claimFetch();
            }
        }
        fetch(fetch);
        if (failure != null) {
            log.warn("[node={}] Could not get a block of producer ids: {}", brokerId, failure.toString());
        }
        for (CompletableFuture<Long> f : failed) {
            f.completeExceptionally(failure);
        }
        for (int i = 0; i < served.size(); i++) {
            served.get(i).complete(ids.get(i));
        }
    }
}
