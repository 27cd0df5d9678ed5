package io.samsa.server.security.sasl;

import io.samsa.common.Clock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.lang.JoseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification keys of one OAUTHBEARER listener: the JSON Web Key Set at {@code sasl.oauthbearer.jwks.endpoint.url}
 * (KIP-768), an {@code https:}, {@code http:} or {@code file:} URL. Loaded once at start-up (a set that cannot be read
 * then stops start-up), then again every {@code sasl.oauthbearer.jwks.endpoint.refresh.ms} and, rate limited, when a
 * token names a key id the set does not hold ({@link #requestRefresh}). An HTTP fetch is retried with a backoff from
 * {@code ...retry.backoff.ms} doubling up to {@code ...retry.backoff.max.ms}, until the waits would pass that maximum. A
 * refresh that fails keeps the keys the set had, logged at WARN.
 *
 * <p>Thread-safe: event loops read {@link #keys()} (a volatile read); loads run on the set's own daemon thread, never
 * on an event loop. {@link #close} stops that thread.
 */
final class JwksKeys implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JwksKeys.class);
    /** An unknown key id refreshes the set at most this often (Kafka keeps it at 60 s per key id). */
    static final long UNKNOWN_KID_REFRESH_INTERVAL_MS = 10_000;
    private static final int MAX_JWKS_BYTES = 1 << 20;

    /** Where the set comes from. */
    interface Source {
        /** The set's JSON; blocking. */
        String fetch() throws IOException;

        /** Whether a failed fetch is worth retrying (HTTP). */
        boolean retriable();

        String location();
    }

    private final Source source;
    private final Clock clock;
    private final Executor refresher;
    private final long backoffMs;
    private final long backoffMaxMs;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private final ScheduledExecutorService owned;
    private volatile List<JsonWebKey> keys = List.of();
    private volatile long lastUnknownKidRefreshMs = Long.MIN_VALUE;

    /** Keys from {@code source}; {@code refresher} runs the refreshes a token asks for. No load yet. */
    JwksKeys(Source source, Clock clock, Executor refresher, long backoffMs, long backoffMaxMs) {
        this(source, clock, refresher, backoffMs, backoffMaxMs, null);
    }

    private JwksKeys(Source source, Clock clock, Executor refresher, long backoffMs, long backoffMaxMs,
                     ScheduledExecutorService owned) {
        this.source = source;
        this.clock = clock;
        this.refresher = refresher;
        this.backoffMs = backoffMs;
        this.backoffMaxMs = backoffMaxMs;
        this.owned = owned;
    }

    /**
     * Loads the set from {@code source} (blocking, with retries) and starts refreshing it every {@code refreshMs} on
     * a daemon thread named after {@code listenerName}.
     *
     * @throws IOException when the set cannot be read or parsed at start-up
     */
    static JwksKeys open(String listenerName, Source source, Clock clock, long refreshMs, long backoffMs,
                         long backoffMaxMs) throws IOException {
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "samsa-jwks-" + listenerName);
            t.setDaemon(true);
            return t;
        });
        JwksKeys keys = new JwksKeys(source, clock, thread, backoffMs, backoffMaxMs, thread);
        try {
            keys.load();
        } catch (IOException e) {
            thread.shutdownNow();
            throw e;
        }
        thread.scheduleWithFixedDelay(keys::refreshQuietly, refreshMs, refreshMs, TimeUnit.MILLISECONDS);
        return keys;
    }

    /** The current keys; never blocks. */
    List<JsonWebKey> keys() {
        return keys;
    }

    String location() {
        return source.location();
    }

    /**
     * Asks for a refresh because a token named a key id the set does not hold: started on the refresher unless one
     * runs already or one was asked for less than {@link #UNKNOWN_KID_REFRESH_INTERVAL_MS} ago. Never blocks.
     *
     * @return whether a refresh was started
     */
    boolean requestRefresh() {
        long now = clock.milliseconds();
        long last = lastUnknownKidRefreshMs;
        if (last != Long.MIN_VALUE && now - last < UNKNOWN_KID_REFRESH_INTERVAL_MS) {
            return false;
        }
        if (!refreshing.compareAndSet(false, true)) {
            return false;
        }
        lastUnknownKidRefreshMs = now;
        try {
            refresher.execute(() -> {
                try {
                    refreshQuietly();
                } finally {
                    refreshing.set(false);
                }
            });
        } catch (RuntimeException e) {
            refreshing.set(false);
            log.warn("Could not start a refresh of the JWKS from {}: {}", source.location(), e.toString());
            return false;
        }
        return true;
    }

    private void refreshQuietly() {
        try {
            load();
        } catch (IOException e) {
            log.warn("Could not refresh the JWKS from {}; keeping its {} keys: {}", source.location(), keys.size(),
                    e.getMessage());
        } catch (RuntimeException e) {
            log.warn("Could not refresh the JWKS from {}; keeping its {} keys", source.location(), keys.size(), e);
        }
    }

    /** Reads and parses the set, with the HTTP retries; replaces the keys when it succeeds. Blocking. */
    void load() throws IOException {
        long wait = backoffMs;
        long waited = 0;
        while (true) {
            try {
                String json = source.fetch();
                List<JsonWebKey> parsed = parse(json);
                keys = parsed;
                log.debug("Loaded {} keys from the JWKS at {}", parsed.size(), source.location());
                return;
            } catch (IOException e) {
                if (!source.retriable() || waited + wait > backoffMaxMs) {
                    throw e;
                }
                log.debug("Fetching the JWKS from {} failed ({}); again in {} ms", source.location(), e.getMessage(),
                        wait);
                sleep(wait);
                waited += wait;
                wait = Math.min(wait * 2, backoffMaxMs);
            }
        }
    }

    static List<JsonWebKey> parse(String json) throws IOException {
        try {
            return List.copyOf(new JsonWebKeySet(json).getJsonWebKeys());
        } catch (JoseException | RuntimeException e) {
            throw new IOException("the JWKS is not a valid JSON Web Key Set: " + e.getMessage(), e);
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to fetch the JWKS again", e);
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.shutdownNow();
        }
    }

    /** The source for {@code url}: {@code file:} reads the file, {@code http(s):} GETs it (10 s timeouts). */
    static Source source(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (scheme.equals("file")) {
            Path path = Path.of(url);
            return new Source() {
                @Override
                public String fetch() throws IOException {
                    if (Files.size(path) > MAX_JWKS_BYTES) {
                        throw new IOException("the JWKS file " + path + " is larger than " + MAX_JWKS_BYTES + " bytes");
                    }
                    return Files.readString(path, StandardCharsets.UTF_8);
                }

                @Override
                public boolean retriable() {
                    return false;
                }

                @Override
                public String location() {
                    return url.toString();
                }
            };
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("the JWKS URL must be https:, http: or file:, not " + url);
        }
        return new HttpSource(url);
    }

    private static final class HttpSource implements Source {
        private static final Duration TIMEOUT = Duration.ofSeconds(10);
        private final URI url;
        private final HttpClient client;

        HttpSource(URI url) {
            this.url = url;
            this.client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
        }

        @Override
        public String fetch() throws IOException {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "application/json")
                    .GET().build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching the JWKS", e);
            }
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("the JWKS endpoint answered HTTP " + response.statusCode());
                }
                byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
                if (bytes.length > MAX_JWKS_BYTES) {
                    throw new IOException("the JWKS is larger than " + MAX_JWKS_BYTES + " bytes");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        @Override
        public boolean retriable() {
            return true;
        }

        @Override
        public String location() {
            return url.toString();
        }
    }
}
