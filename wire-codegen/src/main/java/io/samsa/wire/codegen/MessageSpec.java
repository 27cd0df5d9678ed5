package io.samsa.wire.codegen;

import java.util.List;
import java.util.Map;

/**
 * One message schema (a request, response, header or data type), possibly the union of a current
 * and a legacy schema. Immutable once built.
 *
 * @param name        the schema name, also the generated class name
 * @param type        "request", "response", "header" or "data"
 * @param apiKey      the API key, or -1
 * @param valid       the valid versions
 * @param flexible    the flexible versions (within {@code valid})
 * @param root        the top-level fields
 * @param structs     every nested and common struct by name, in a deterministic order
 * @param listeners   the request's listeners, empty when none
 * @param latestVersionUnstable whether the highest version is unstable
 * @param source      the schema file(s) it came from, for comments
 */
public record MessageSpec(String name, String type, int apiKey, long valid, long flexible, StructSpec root,
                          Map<String, StructSpec> structs, List<String> listeners, boolean latestVersionUnstable,
                          String source) {

    public int lowestVersion() {
        return Versions.lowest(valid);
    }

    public int highestVersion() {
        return Versions.highest(valid);
    }

    /** Whether this is a request or response of an API. */
    public boolean isApi() {
        return apiKey >= 0 && ("request".equals(type) || "response".equals(type));
    }
}
