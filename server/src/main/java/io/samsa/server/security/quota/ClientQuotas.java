package io.samsa.server.security.quota;

import io.samsa.common.Clock;
import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The broker's client quotas (KIP-13, KIP-55, KIP-124, KIP-599): which quota applies to a request's user and client
 * id, the rate each one has used, and how long to throttle it. The quotas come from the metadata image's
 * ClientQuotaRecords; with none set, every check returns at once (one volatile read and an empty-map test), so that
 * an unquota'd broker pays nothing on the produce and fetch paths.
 *
 * <p>Precedence, as Kafka's documentation lists it (the first entity that sets the quota's key wins):
 * <ol>
 *   <li>user and client id</li>
 *   <li>user and the default client id</li>
 *   <li>user</li>
 *   <li>the default user and client id</li>
 *   <li>the default user and the default client id</li>
 *   <li>the default user</li>
 *   <li>client id</li>
 *   <li>the default client id</li>
 * </ol>
 * A quota is shared by every connection that falls under its entity: a user quota by all of the user's client ids,
 * a client-id quota by every user of that id. A default applies to each user (or client id) on its own.
 *
 * <p>Thread-safe: called from every event loop.
 */
public final class ClientQuotas {
    /** The quota kinds and their keys. */
    public enum Kind {
        PRODUCE("producer_byte_rate"),
        FETCH("consumer_byte_rate"),
        REQUEST("request_percentage"),
        MUTATION("controller_mutation_rate");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** The quota that applies: its bound and the user and client id its usage is counted under ("" = all). */
    record Applied(double bound, String user, String clientId) {
        /** No quota applies (cached as such). */
        static final Applied NONE_MARKER = new Applied(Double.POSITIVE_INFINITY, "", "");
    }

    private final Supplier<MetadataImage> image;
    private final Clock clock;
    private final int windows;
    private final long windowMs;
    private final List<Map<String, QuotaRate>> rates = new ArrayList<>();
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    /** The quotas last resolved and what they resolved to, by kind, user and client id. */
    private volatile Resolved resolved = new Resolved(Map.of());

    public ClientQuotas(Supplier<MetadataImage> image, Clock clock, int windows, long windowSeconds) {
        this.image = image;
        this.clock = clock;
        this.windows = windows;
        this.windowMs = windowSeconds * 1000;
        for (int i = 0; i < Kind.values().length; i++) {
            rates.add(new ConcurrentHashMap<>());
        }
    }

    /** The metadata image the quotas come from. */
    Supplier<MetadataImage> image() {
        return image;
    }

    /** Whether any client quota is set: when not, nothing needs recording. */
    public boolean enabled() {
        return !image.get().clientQuotas().isEmpty();
    }

    /**
     * Records {@code value} (bytes, or percent-seconds for {@link Kind#REQUEST}) for {@code user} and
     * {@code clientId}, and returns the throttle time in ms (0 when within the quota or when none applies).
     */
    public long record(Kind kind, String user, String clientId, double value) {
        return record(kind, user, clientId, value, false);
    }

    /**
     * Like {@link #record}, but a value that would break the quota is not counted (Kafka's throttled fetch, which is
     * answered without its records): returns the throttle time, 0 when {@code value} was counted.
     */
    public long recordUnlessThrottled(Kind kind, String user, String clientId, double value) {
        return record(kind, user, clientId, value, true);
    }

    private long record(Kind kind, String user, String clientId, double value, boolean takeBackIfThrottled) {
        Applied q = applied(kind, user, clientId);
        if (q == null) {
            return 0;
        }
        long now = clock.milliseconds();
        QuotaRate rate = rates.get(kind.ordinal()).computeIfAbsent(q.user() + '\u0000' + q.clientId(),
                k -> new QuotaRate(windows, windowMs, now));
        return takeBackIfThrottled ? rate.recordUnlessThrottled(value, q.bound(), now)
                : rate.recordAndThrottle(value, q.bound(), now);
    }

    /**
     * KIP-599: the throttle time (ms) of {@code user} and {@code clientId}'s controller mutations now, 0 when they
     * may mutate (the bucket is not in debt, or no quota applies).
     */
    public long mutationThrottle(String user, String clientId) {
        Applied q = applied(Kind.MUTATION, user, clientId);
        return q == null ? 0 : bucket(q).throttleMs(q.bound(), clock.milliseconds());
    }

    /** KIP-599: takes {@code partitions} mutations from the bucket of {@code user} and {@code clientId}. */
    public void recordMutations(String user, String clientId, int partitions) {
        Applied q = applied(Kind.MUTATION, user, clientId);
        if (q != null && partitions > 0) {
            bucket(q).record(partitions, q.bound(), clock.milliseconds());
        }
    }

    private TokenBucket bucket(Applied q) {
        return buckets.computeIfAbsent(q.user() + '\u0000' + q.clientId(), k -> new TokenBucket(windows, windowMs));
    }

    /** The quota of {@code kind} for {@code user} and {@code clientId}, or null when none applies. */
    Applied applied(Kind kind, String user, String clientId) {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = image.get().clientQuotas();
        if (quotas.isEmpty()) {
            return null;
        }
        Resolved r = resolved;
        if (r.quotas != quotas) {
            r = new Resolved(quotas);
            resolved = r;
        }
        String key = kind.ordinal() + "\u0000" + user + '\u0000' + clientId;
        Applied a = r.cache.get(key);
        if (a == null) {
            a = resolve(quotas, kind.key(), user, clientId);
            r.cache.put(key, a);
        }
        return a == Applied.NONE_MARKER ? null : a;
    }

    /** Kafka's eight levels, in order; the marker when none sets {@code key}. */
    static Applied resolve(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key, String user,
                           String clientId) {
        Double v;
        if ((v = value(quotas, ClientQuotaEntity.of(true, user, true, clientId), key)) != null
                || (v = value(quotas, ClientQuotaEntity.of(true, user, true, null), key)) != null) {
            return new Applied(v, user, clientId);
        }
        if ((v = value(quotas, ClientQuotaEntity.of(true, user, false, null), key)) != null) {
            return new Applied(v, user, "");
        }
        if ((v = value(quotas, ClientQuotaEntity.of(true, null, true, clientId), key)) != null
                || (v = value(quotas, ClientQuotaEntity.of(true, null, true, null), key)) != null) {
            return new Applied(v, user, clientId);
        }
        if ((v = value(quotas, ClientQuotaEntity.of(true, null, false, null), key)) != null) {
            return new Applied(v, user, "");
        }
        if ((v = value(quotas, ClientQuotaEntity.of(false, null, true, clientId), key)) != null
                || (v = value(quotas, ClientQuotaEntity.of(false, null, true, null), key)) != null) {
            return new Applied(v, "", clientId);
        }
        return Applied.NONE_MARKER;
    }

    private static Double value(Map<ClientQuotaEntity, Map<String, Double>> quotas, ClientQuotaEntity e,
                                String key) {
        Map<String, Double> m = quotas.get(e);
        return m == null ? null : m.get(key);
    }

    /** The resolutions made against one set of quotas; replaced when the image's quotas change. */
    private static final class Resolved {
        final Map<ClientQuotaEntity, Map<String, Double>> quotas;
        final Map<String, Applied> cache = new ConcurrentHashMap<>();

        Resolved(Map<ClientQuotaEntity, Map<String, Double>> quotas) {
            this.quotas = quotas;
        }
    }
}
