package io.samsa.server.network;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces {@code max.connections} and {@code max.connections.per.ip}: a connection over a limit is
 * closed as soon as it is accepted, with a rate-limited log line. Thread-safe.
 */
final class ConnectionLimiter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("samsa.counted");

    private final int maxConnections;
    private final int maxPerIp;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
    private volatile long lastWarnNanos;

    ConnectionLimiter(int maxConnections, int maxPerIp) {
        this.maxConnections = maxConnections;
        this.maxPerIp = maxPerIp;
    }

    boolean tryAcquire(Channel ch) {
        InetAddress addr = ((InetSocketAddress) ch.remoteAddress()).getAddress();
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            warn("Refusing connection from {}: max.connections {} reached", addr, maxConnections);
            return false;
        }
        AtomicInteger n = perIp.computeIfAbsent(addr, a -> new AtomicInteger());
        if (n.incrementAndGet() > maxPerIp) {
            n.decrementAndGet();
            total.decrementAndGet();
            warn("Refusing connection from {}: max.connections.per.ip {} reached", addr, maxPerIp);
            return false;
        }
        ch.attr(COUNTED).set(addr);
        return true;
    }

    void release(Channel ch) {
        InetAddress addr = ch.attr(COUNTED).getAndSet(null);
        if (addr == null) {
            return;
        }
        total.decrementAndGet();
        AtomicInteger n = perIp.get(addr);
        if (n != null && n.decrementAndGet() <= 0) {
            perIp.remove(addr, n);
        }
    }

    int open() {
        return total.get();
    }

    private void warn(String format, Object a, Object b) {
        long now = System.nanoTime();
        if (now - lastWarnNanos > 10_000_000_000L) {
            lastWarnNanos = now;
            log.warn(format, a, b);
        }
    }
}
