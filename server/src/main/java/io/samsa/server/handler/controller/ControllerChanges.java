package io.samsa.server.handler.controller;

import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link MetadataChanges} of the admin handlers on a controller's own listener: the local controller, and an
 * answer as soon as the change is committed (there is no broker image to wait for). It remembers the highest commit
 * offset it answered and whether the controller refused as not active: an Envelope tells the forwarding broker
 * both. Thread-safe.
 */
final class ControllerChanges implements MetadataChanges {
    private final Controller controller;
    private final AtomicLong committed = new AtomicLong(-1);
    private final AtomicBoolean notController = new AtomicBoolean();

    ControllerChanges(Controller controller) {
        this.controller = controller;
    }

    @Override
    public Controller controller() {
        return controller;
    }

    @Override
    public <T> CompletableFuture<T> whenPublished(CompletableFuture<Committed<T>> operation) {
        return operation.handle((c, e) -> {
            if (e != null) {
                Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (t instanceof SamsaException se && se.errorCode() == ErrorCode.NOT_CONTROLLER) {
                    notController.set(true);
                }
                throw e instanceof CompletionException ce ? ce : new CompletionException(e);
            }
            committed.accumulateAndGet(c.offset(), Math::max);
            return c.value();
        });
    }

    /** The highest commit offset answered so far, -1 before any. */
    long committed() {
        return committed.get();
    }

    /** Whether the controller refused an operation as not the active controller. */
    boolean sawNotController() {
        return notController.get();
    }
}
