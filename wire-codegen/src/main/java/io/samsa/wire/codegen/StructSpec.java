package io.samsa.wire.codegen;

import java.util.ArrayList;
import java.util.List;

/**
 * A struct: the top level of a message, a nested struct or a common struct. The field list is
 * filled once while reading or merging and not changed afterwards. Build-time only.
 */
public final class StructSpec {
    private final String name;
    private final List<FieldSpec> fields = new ArrayList<>();

    public StructSpec(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public List<FieldSpec> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return "StructSpec(" + name + ", " + fields.size() + " fields)";
    }
}
