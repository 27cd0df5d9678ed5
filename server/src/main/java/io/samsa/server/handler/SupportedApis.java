package io.samsa.server.handler;

import java.util.ArrayList;
import java.util.List;

/**
 * The one table of the APIs this broker serves: for each API key, the version range and its handler.
 * ApiVersions answers from it, the dispatcher routes by it, and an API without a handler is absent,
 * never answered wrongly. Built once at start-up; immutable afterwards and safe from any thread.
 */
public final class SupportedApis {

    /** One served API. */
    public record Entry(short apiKey, short minVersion, short maxVersion, ApiHandler handler) {
        public boolean supports(short version) {
            return version >= minVersion && version <= maxVersion;
        }
    }

    private final Entry[] byKey;

    private SupportedApis(Entry[] byKey) {
        this.byKey = byKey;
    }

    /** The entry for {@code apiKey}, or null when the API is not served. */
    public Entry get(short apiKey) {
        return apiKey >= 0 && apiKey < byKey.length ? byKey[apiKey] : null;
    }

    /** Served APIs in key order. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (Entry e : byKey) {
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects handlers at start-up. Not thread-safe. */
    public static final class Builder {
        private final Entry[] byKey = new Entry[Short.MAX_VALUE + 1];

        public Builder add(short apiKey, int minVersion, int maxVersion, ApiHandler handler) {
            if (minVersion > maxVersion) {
                throw new IllegalArgumentException("Empty version range for API " + apiKey);
            }
            byKey[apiKey] = new Entry(apiKey, (short) minVersion, (short) maxVersion, handler);
            return this;
        }

        /** Replaces the handler of an API already added (e.g. ApiVersions, which needs the final table). */
        public Builder replaceHandler(short apiKey, ApiHandler handler) {
            Entry e = byKey[apiKey];
            byKey[apiKey] = new Entry(apiKey, e.minVersion, e.maxVersion, handler);
            return this;
        }

        public SupportedApis build() {
            int max = -1;
            for (int i = 0; i < byKey.length; i++) {
                if (byKey[i] != null) {
                    max = i;
                }
            }
            Entry[] copy = new Entry[max + 1];
            System.arraycopy(byKey, 0, copy, 0, max + 1);
            return new SupportedApis(copy);
        }
    }
}
