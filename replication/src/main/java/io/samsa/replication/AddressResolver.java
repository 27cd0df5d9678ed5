package io.samsa.replication;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves the host names of {@link NettyBrokerChannel}'s connections off the event loops: a lookup may block for
 * seconds (a DNS server that does not answer), and on an event loop it would stall every connection of that loop.
 * Each lookup runs a {@link Lookup} (the JDK's resolver in production, so the hosts file, nsswitch and the JVM's DNS
 * cache apply as they do to {@code InetAddress}) on one of a few daemon threads of its own; an IP literal needs no
 * lookup and is answered at once. A lookup of a name that is already running is shared rather than queued again, so
 * a name whose server hangs holds one thread, not one per reconnect.
 *
 * <p>Thread-safe. {@link #jdk()} is the process's resolver, shared by every channel; its threads exit when idle, so
 * it is never closed. A test builds its own with a {@link Lookup} that blocks or fails.
 */
public final class AddressResolver {
    /** At most this many lookups run at once; more wait for a thread. */
    static final int THREADS = 4;
    private static final long IDLE_SECONDS = 30;
    private static final AddressResolver JDK = new AddressResolver(InetAddress::getAllByName, "samsa-resolver");

    /** The blocking lookup the resolver's threads run: the seam a test replaces. */
    @FunctionalInterface
    public interface Lookup {
        /** Every address of {@code host}, in the order to try them. Blocks; throws when there is none. */
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private final Lookup lookup;
    private final ThreadPoolExecutor threads;
    private final Map<String, CompletableFuture<List<InetAddress>>> running = new ConcurrentHashMap<>();

    /** Runs {@code lookup} on up to {@link #THREADS} daemon threads named {@code threadName-N}. */
    public AddressResolver(Lookup lookup, String threadName) {
        this.lookup = lookup;
        AtomicInteger count = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, threadName + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.threads.allowCoreThreadTimeOut(true);
    }

    /** The JDK's resolver, shared by the process. */
    public static AddressResolver jdk() {
        return JDK;
    }

    /**
     * The addresses of {@code host}, never empty; fails with the lookup's exception ({@link UnknownHostException}
     * for a name that does not resolve). Never blocks: completes on a resolver thread, or at once for an IP
     * literal. Every call after a lookup finished looks the name up again (the JVM's cache aside): addresses of
     * containers change.
     */
    public CompletableFuture<List<InetAddress>> resolve(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                // With the literal as its name, so that nothing looks the address up in reverse either.
                return CompletableFuture.completedFuture(List.of(InetAddress.getByAddress(host, literal)));
            } catch (UnknownHostException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<List<InetAddress>> mine = new CompletableFuture<>();
        CompletableFuture<List<InetAddress>> shared = running.putIfAbsent(host, mine);
        if (shared != null) {
            return shared;
        }
        try {
            threads.execute(() -> run(host, mine));
        } catch (RejectedExecutionException e) {
            running.remove(host, mine);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    private void run(String host, CompletableFuture<List<InetAddress>> result) {
        try {
            InetAddress[] addresses = lookup.lookup(host);
            running.remove(host, result);
            if (addresses == null || addresses.length == 0) {
                result.completeExceptionally(new UnknownHostException(host + ": no addresses"));
            } else {
                result.complete(List.of(addresses));
            }
        } catch (Throwable t) {
            running.remove(host, result);
            result.completeExceptionally(t);
            if (t instanceof Error e) {
                throw e;
            }
        }
    }
}
