package io.samsa.wire.codegen;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges a current schema with a legacy schema of the same message into their union: the union of
 * the valid versions, where every version in the current schema's range is laid out as the current
 * schema says, and every version only the legacy schema knows (Kafka 4 dropped them, KIP-896) as the
 * legacy schema says. Fields and structs are matched by name; a field only the legacy schema has keeps
 * its position. The result is checked version by version against both sources. Build-time only;
 * one instance per merge.
 */
public final class SchemaMerger {
    private final MessageSpec current;
    private final MessageSpec legacy;
    private final long currentValid;
    private final long legacyOnly;
    private final Map<StructSpec, StructSpec> pairing = new IdentityHashMap<>();
    private final Map<StructSpec, StructSpec> pairedLegacy = new IdentityHashMap<>();
    private final Map<StructSpec, StructSpec> built = new IdentityHashMap<>();

    private SchemaMerger(MessageSpec current, MessageSpec legacy) {
        this.current = current;
        this.legacy = legacy;
        this.currentValid = current.valid();
        this.legacyOnly = legacy.valid() & ~current.valid();
    }

    /** The union of {@code current} and {@code legacy}; either may be null (then the other is returned). */
    public static MessageSpec merge(MessageSpec current, MessageSpec legacy) {
        if (legacy == null) {
            return current;
        }
        if (current == null) {
            return legacy;
        }
        try {
            return new SchemaMerger(current, legacy).merge();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Merging " + current.source() + " with legacy " + legacy.source()
                + ": " + e.getMessage(), e);
        }
    }

    private MessageSpec merge() {
        if (!current.type().equals(legacy.type())) {
            throw new IllegalArgumentException("message types differ");
        }
        long valid = currentValid | legacyOnly;
        if (!Versions.contiguous(valid)) {
            throw new IllegalArgumentException("the union of valid versions is not one range: "
                + Versions.describe(valid));
        }
        long flexible = current.flexible() | (legacy.flexible() & legacyOnly);
        pair(current.root(), legacy.root());
        StructSpec root = build(current.root(), legacy.root());
        Map<String, StructSpec> structs = new LinkedHashMap<>();
        collect(root, structs, true);
        int highest = Versions.highest(valid);
        boolean unstable = Versions.contains(currentValid, highest)
            ? current.latestVersionUnstable() : legacy.latestVersionUnstable();
        List<String> listeners = currentValid != 0 && !current.listeners().isEmpty()
            ? current.listeners() : legacy.listeners();
        return new MessageSpec(current.name(), current.type(), current.apiKey() >= 0 ? current.apiKey()
            : legacy.apiKey(), valid, flexible, root, structs, listeners, unstable,
            current.source() + " + legacy " + legacy.source());
    }

    /** Records which legacy struct each current struct corresponds to (matched through field names). */
    private void pair(StructSpec cur, StructSpec leg) {
        StructSpec known = pairing.get(cur);
        if (known != null) {
            if (known != leg) {
                throw new IllegalArgumentException("struct " + cur.name() + " matches two legacy structs");
            }
            return;
        }
        StructSpec knownCur = pairedLegacy.get(leg);
        if (knownCur != null && knownCur != cur) {
            throw new IllegalArgumentException("legacy struct " + leg.name() + " matches two structs");
        }
        pairing.put(cur, leg);
        pairedLegacy.put(leg, cur);
        for (FieldSpec fc : cur.fields()) {
            FieldSpec fl = find(leg.fields(), fc.name());
            if (fl != null && fc.struct() != null && fl.struct() != null && fc.type().sameShape(fl.type())
                && contributes(fc, fl)) {
                pair(fc.struct(), fl.struct());
            }
        }
    }

    /** Whether both fields exist in versions their schemas govern. */
    private boolean contributes(FieldSpec fc, FieldSpec fl) {
        return (fc.versions() & currentValid) != 0 && (fl.versions() & legacyOnly) != 0;
    }

    /** Builds the merged struct for a current struct (or null) and a legacy struct (or null). */
    private StructSpec build(StructSpec cur, StructSpec leg) {
        StructSpec key = cur != null ? cur : leg;
        StructSpec done = built.get(key);
        if (done != null) {
            return done;
        }
        StructSpec out = new StructSpec(key.name());
        built.put(key, out);
        List<FieldSpec> curFields = cur == null ? List.of() : cur.fields();
        List<FieldSpec> legFields = leg == null ? List.of() : leg.fields();
        List<String> order = new ArrayList<>();
        for (FieldSpec f : curFields) {
            order.add(f.name());
        }
        int insertAt = 0;
        for (FieldSpec f : legFields) {
            int at = order.indexOf(f.name());
            if (at >= 0) {
                insertAt = at + 1;
            } else {
                order.add(insertAt++, f.name());
            }
        }
        for (String name : order) {
            out.fields().add(mergeField(find(curFields, name), find(legFields, name)));
        }
        checkLayout(out, curFields, legFields);
        return out;
    }

    private FieldSpec mergeField(FieldSpec fc, FieldSpec fl) {
        if (fl == null || (fl.versions() & legacyOnly) == 0) {
            if (fc == null) { // exists only in legacy versions that the current schema overrides
                return fl.restrict(0L, fl.struct() == null ? null : build(null, fl.struct()));
            }
            FieldSpec out = fc.withStruct(fc.struct() == null ? null : build(fc.struct(), pairing.get(fc.struct())));
            if (fl == null) {
                return out;
            }
            // absent in the legacy-only versions: whether a value may be dropped there is the legacy schema's call
            return new FieldSpec(out.name(), out.type(), out.versions(), out.nullable(), out.tagged(), out.compact(),
                out.tag(), out.defaultValue(), (fc.ignorable() & currentValid) | (fl.ignorable() & legacyOnly),
                out.mapKey(), out.struct(), out.about());
        }
        if (fc == null || (fc.versions() & currentValid) == 0) {
            StructSpec s = null;
            if (fl.struct() != null) {
                StructSpec cur = pairedLegacy.get(fl.struct());
                s = cur != null ? build(cur, fl.struct()) : build(null, fl.struct());
            }
            if (fc == null) {
                return fl.restrict(legacyOnly, s);
            }
            if (!fc.type().sameShape(fl.type())) {
                return fl.restrict(legacyOnly, s);
            }
        }
        if (!fc.type().sameShape(fl.type())) {
            throw new IllegalArgumentException("field " + fc.name() + " is " + fc.type() + " in the current schema but "
                + fl.type() + " in the legacy one");
        }
        long tagged = fc.tagged() | (fl.tagged() & legacyOnly);
        if (fc.tag() >= 0 && fl.tag() >= 0 && fc.tag() != fl.tag() && (fl.tagged() & legacyOnly) != 0) {
            throw new IllegalArgumentException("field " + fc.name() + " has tag " + fc.tag() + " and legacy tag "
                + fl.tag());
        }
        int tag = fc.tag() >= 0 ? fc.tag() : ((fl.tagged() & legacyOnly) != 0 ? fl.tag() : -1);
        StructSpec s = null;
        if (fc.struct() != null) {
            StructSpec pairedWith = pairing.get(fc.struct());
            s = build(fc.struct(), pairedWith);
        }
        return new FieldSpec(fc.name(), s == null ? fc.type() : fc.type().withStructName(s.name()),
            fc.versions() | (fl.versions() & legacyOnly), fc.nullable() | (fl.nullable() & legacyOnly), tagged,
            fc.compact() | (fl.compact() & legacyOnly), tag, fc.defaultValue() != null ? fc.defaultValue()
            : fl.defaultValue(), (fc.ignorable() & currentValid) | (fl.ignorable() & legacyOnly), fc.mapKey(), s,
            fc.about());
    }

    /** Checks that every version lays out the same fields in the same order as its source schema. */
    private void checkLayout(StructSpec out, List<FieldSpec> cur, List<FieldSpec> leg) {
        long all = currentValid | legacyOnly;
        for (int v = 0; v <= Versions.MAX; v++) {
            if (!Versions.contains(all, v)) {
                continue;
            }
            List<FieldSpec> source = Versions.contains(currentValid, v) ? cur : leg;
            List<String> expected = new ArrayList<>();
            for (FieldSpec f : source) {
                if (Versions.contains(f.versions(), v)) {
                    expected.add(f.name() + (Versions.contains(f.tagged(), v) ? "#" + f.tag() : ""));
                }
            }
            List<String> actual = new ArrayList<>();
            for (FieldSpec f : out.fields()) {
                if (Versions.contains(f.versions(), v)) {
                    actual.add(f.name() + (Versions.contains(f.tagged(), v) ? "#" + f.tag() : ""));
                }
            }
            if (!expected.equals(actual)) {
                throw new IllegalArgumentException("struct " + out.name() + " at version " + v + " would be "
                    + actual + " but the schema says " + expected);
            }
        }
    }

    private static FieldSpec find(List<FieldSpec> fields, String name) {
        for (FieldSpec f : fields) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** Collects every struct below {@code s} by name, failing when two different structs share a name. */
    static void collect(StructSpec s, Map<String, StructSpec> out, boolean isRoot) {
        for (FieldSpec f : s.fields()) {
            StructSpec n = f.struct();
            if (n == null) {
                continue;
            }
            StructSpec prev = out.get(n.name());
            if (prev == null) {
                out.put(n.name(), n);
                collect(n, out, false);
            } else if (prev != n) {
                throw new IllegalArgumentException("two different structs are named " + n.name());
            }
        }
    }
}
