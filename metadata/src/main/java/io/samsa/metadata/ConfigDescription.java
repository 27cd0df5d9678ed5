package io.samsa.metadata;

import java.util.List;

/**
 * One config as DescribeConfigs (and CreateTopics v5+) reports it: name, effective value, where
 * that value comes from, type, flags, a one-line description, and the synonyms in order of
 * precedence (the first is the value in effect). Immutable.
 */
public record ConfigDescription(String name, String value, ConfigSource source, ConfigType type, boolean readOnly,
                                boolean sensitive, String documentation, List<Synonym> synonyms) {
    public ConfigDescription {
        synonyms = List.copyOf(synonyms);
    }

    /** A config that supplies (or could supply) this config's value, and from which source. */
    public record Synonym(String name, String value, ConfigSource source) {
    }
}
