package io.samsa.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link AddressResolver}: lookups run off the caller's thread, literals need none, a running lookup of a name is
 * shared and a finished one is not, and a failed or empty lookup fails the future.
 */
@Timeout(20)
class AddressResolverTest {
    private static final byte[] TEN_ONE = {10, 0, 0, 1};
    private static final byte[] TEN_TWO = {10, 0, 0, 2};

    private static List<InetAddress> get(CompletableFuture<List<InetAddress>> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Waits for {@code latch} in a lookup (which cannot throw InterruptedException). */
    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aNameResolvesToEveryAddressInTheLookupsOrder() throws Exception {
        AddressResolver r = new AddressResolver(host -> new InetAddress[] {
            InetAddress.getByAddress(host, TEN_TWO), InetAddress.getByAddress(host, TEN_ONE)}, "test-resolver");
        List<InetAddress> addresses = get(r.resolve("broker2"));
        assertEquals(2, addresses.size());
        assertArrayEquals(TEN_TWO, addresses.get(0).getAddress());
        assertArrayEquals(TEN_ONE, addresses.get(1).getAddress());
        assertEquals("broker2", addresses.get(0).getHostName());
    }

    @Test
    void anIpLiteralIsAnsweredAtOnceWithoutALookup() throws Exception {
        AddressResolver r = new AddressResolver(host -> {
            throw new AssertionError("looked up " + host);
        }, "test-resolver");
        CompletableFuture<List<InetAddress>> v4 = r.resolve("127.0.0.1");
        assertTrue(v4.isDone(), "no thread hop for a literal");
        assertArrayEquals(new byte[] {127, 0, 0, 1}, get(v4).get(0).getAddress());
        assertEquals("127.0.0.1", get(v4).get(0).getHostName());
        CompletableFuture<List<InetAddress>> v6 = r.resolve("::1");
        assertTrue(v6.isDone());
        assertTrue(get(v6).get(0).isLoopbackAddress());
    }

    @Test
    void aRunningLookupIsSharedAndAFinishedOneIsRepeated() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger lookups = new AtomicInteger();
        AddressResolver r = new AddressResolver(host -> {
            lookups.incrementAndGet();
            entered.countDown();
            await(release);
            return new InetAddress[] {InetAddress.getByAddress(host, TEN_ONE)};
        }, "test-resolver");
        CompletableFuture<List<InetAddress>> first = r.resolve("slow");
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        CompletableFuture<List<InetAddress>> second = r.resolve("slow");
        assertSame(first, second, "joins the running lookup");
        assertFalse(first.isDone());
        release.countDown();
        assertArrayEquals(TEN_ONE, get(first).get(0).getAddress());
        assertEquals(1, lookups.get());
        // Done: the next call looks the name up again (a container's address may have changed).
        get(r.resolve("slow"));
        assertEquals(2, lookups.get());
    }

    @Test
    void aBlockedNameDoesNotHoldUpAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AddressResolver r = new AddressResolver(host -> {
            if (host.equals("stalled")) {
                await(release);
            }
            return new InetAddress[] {InetAddress.getByAddress(host, TEN_ONE)};
        }, "test-resolver");
        CompletableFuture<List<InetAddress>> stalled = r.resolve("stalled");
        assertEquals("fine", get(r.resolve("fine")).get(0).getHostName());
        assertFalse(stalled.isDone());
        release.countDown();
        assertEquals("stalled", get(stalled).get(0).getHostName());
    }

    @Test
    void aFailedOrEmptyLookupFailsTheFuture() {
        AddressResolver r = new AddressResolver(host -> {
            if (host.equals("empty")) {
                return new InetAddress[0];
            }
            throw new UnknownHostException(host);
        }, "test-resolver");
        ExecutionException unknown = assertThrows(ExecutionException.class, () -> get(r.resolve("nowhere")));
        assertInstanceOf(UnknownHostException.class, unknown.getCause());
        assertEquals("nowhere", unknown.getCause().getMessage());
        ExecutionException empty = assertThrows(ExecutionException.class, () -> get(r.resolve("empty")));
        assertInstanceOf(UnknownHostException.class, empty.getCause());
        assertEquals("empty: no addresses", empty.getCause().getMessage());
    }
}
