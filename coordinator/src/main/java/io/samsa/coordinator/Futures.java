package io.samsa.coordinator;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** What the coordinators' entry points share: gathering per-item futures, and the error code of a failure. */
final class Futures {
    private Futures() {
    }

    /** The results of {@code parts}, in order, once every one is complete. */
    static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> parts) {
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            List<T> out = new ArrayList<>(parts.size());
            for (CompletableFuture<T> f : parts) {
                out.add(f.join());
            }
            return out;
        });
    }

    /** The error code for a failed coordinator operation (typed errors keep their code). */
    static short code(Throwable t) {
        return error(t).code();
    }

    /** The error for a failed coordinator operation (typed errors keep theirs). */
    static ErrorCode error(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof SamsaException s ? s.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
}
