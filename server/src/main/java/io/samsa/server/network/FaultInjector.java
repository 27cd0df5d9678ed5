package io.samsa.server.network;

import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.protocol.Message;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for tests: makes the next N requests of an API key fail with a given error code, or
 * delays their dispatch. It sits in front of every handler of the API table ({@link #wrap}); with no
 * fault armed the cost per request is one volatile read.
 *
 * <p>Rules are set from any thread (a test's thread) and consumed on the connection's event loop. A
 * failed request never reaches its handler: the answer carries the error code in every error field the
 * response has for what was asked (see {@link FaultResponses}). A delayed request is dispatched later on
 * the same event loop; responses stay in request order because the connection's response queue holds
 * the place of every request.
 */
public final class FaultInjector {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);
    private static final int MAX_API_KEY = 128;

    /** One armed rule: what to do with the next {@code remaining} requests of an API. */
    private static final class Rule {
        final ErrorCode error;
        final long delayMillis;
        final AtomicInteger remaining;

        Rule(ErrorCode error, long delayMillis, int count) {
            this.error = error;
            this.delayMillis = delayMillis;
            this.remaining = new AtomicInteger(count);
        }

        /** Takes one use of this rule; false when it is used up. */
        boolean take() {
            while (true) {
                int n = remaining.get();
                if (n <= 0) {
                    return false;
                }
                if (remaining.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
        }
    }

    private final AtomicReferenceArray<Rule> rules = new AtomicReferenceArray<>(MAX_API_KEY);
    private volatile boolean armed;

    /**
     * Makes the next {@code count} requests of {@code apiKey} fail with {@code error} (replacing any
     * fault armed for that API).
     *
     * @throws IllegalArgumentException when the API's response has no error field this class can fill
     */
    public void failNext(short apiKey, int count, ErrorCode error) {
        checkKey(apiKey, count);
        if (!FaultResponses.canAnswer(apiKey)) {
            throw new IllegalArgumentException("Fault injection cannot build an error response for API key "
                    + apiKey);
        }
        arm(apiKey, new Rule(error, 0, count));
    }

    /** Delays the dispatch of the next {@code count} requests of {@code apiKey} by {@code delayMillis}. */
    public void delayNext(short apiKey, int count, long delayMillis) {
        checkKey(apiKey, count);
        if (delayMillis < 0) {
            throw new IllegalArgumentException("Negative delay " + delayMillis + " ms");
        }
        arm(apiKey, new Rule(null, delayMillis, count));
    }

    /** How many requests of {@code apiKey} the armed fault still applies to (0 when none). */
    public int remaining(short apiKey) {
        Rule r = apiKey >= 0 && apiKey < MAX_API_KEY ? rules.get(apiKey) : null;
        return r == null ? 0 : Math.max(0, r.remaining.get());
    }

    /** Disarms every fault. */
    public void clear() {
        for (int i = 0; i < MAX_API_KEY; i++) {
            rules.set(i, null);
        }
        armed = false;
    }

    /** The same API table with every handler behind this injector. */
    public SupportedApis wrap(SupportedApis apis) {
        SupportedApis.Builder b = SupportedApis.builder();
        for (SupportedApis.Entry e : apis.entries()) {
            b.add(e.apiKey(), e.minVersion(), e.maxVersion(), wrap(e.handler()));
        }
        return b.build();
    }

    private ApiHandler wrap(ApiHandler inner) {
        return (ctx, request, sink) -> {
            Rule rule = armed ? rules.get(ctx.apiKey()) : null;
            if (rule == null || !rule.take()) {
                inner.handle(ctx, request, sink);
            } else if (rule.error != null) {
                log.debug("{}Injected fault: answering with {}", ctx.logPrefix(), rule.error);
                sink.send(FaultResponses.errorResponse(ctx.apiKey(), request, rule.error));
            } else {
                log.debug("{}Injected fault: dispatching {} ms late", ctx.logPrefix(), rule.delayMillis);
                ctx.executor().schedule(() -> dispatchLate(inner, ctx, request, sink), rule.delayMillis);
            }
        };
    }

    private static void dispatchLate(ApiHandler inner, RequestContext ctx, Message request, ResponseSink sink) {
        try {
            inner.handle(ctx, request, sink);
        } catch (RuntimeException e) {
            log.error("{}Handler failed", ctx.logPrefix(), e);
            sink.closeConnection("handler failure");
        }
    }

    private void arm(short apiKey, Rule rule) {
        rules.set(apiKey, rule);
        armed = true;
    }

    private static void checkKey(short apiKey, int count) {
        if (apiKey < 0 || apiKey >= MAX_API_KEY || ApiMessageType.fromId(apiKey) == null) {
            throw new IllegalArgumentException("Unknown API key " + apiKey);
        }
        if (count <= 0) {
            throw new IllegalArgumentException("Fault count must be positive, got " + count);
        }
    }
}
