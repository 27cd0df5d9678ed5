package io.samsa.server.security.sasl;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The thread that computes SCRAM's salted passwords (Hi, RFC 5802: PBKDF2 with thousands of HMACs, milliseconds
 * each) so that no Netty event loop stalls on one and holds up its other connections: the credentials of delegation
 * tokens ({@code TokenCredentials}, as their records are replayed) and the node's own SCRAM logins
 * ({@link ScramClientExchange}, once per salt). One daemon thread for the process, started on first use, named
 * {@code samsa-scram-hashing}; its work is short and CPU-bound, so it needs no shutdown.
 *
 * <p>Thread-safe.
 */
public final class ScramHashing {
    private ScramHashing() {
    }

    /** The executor of SCRAM's hashing. */
    public static Executor executor() {
        return Holder.EXECUTOR;
    }

    private static final class Holder {
        static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "samsa-scram-hashing");
            t.setDaemon(true);
            return t;
        });
    }
}
