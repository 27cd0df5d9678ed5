package io.samsa.wire.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one Kafka message schema (JSON with comments) into a {@link MessageSpec} whose version
 * sets are masks within the schema's own valid versions. Build-time only; stateless.
 */
public final class SchemaReader {
    private SchemaReader() {
    }

    public static MessageSpec read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.getFileName().toString());
    }

    /** Parses schema text; {@code source} names it in errors and generated comments. */
    @SuppressWarnings("unchecked")
    public static MessageSpec parse(String text, String source) {
        Map<String, Object> json = (Map<String, Object>) Json.parse(text);
        String name = str(json, "name", null);
        if (name == null) {
            throw new IllegalArgumentException(source + ": no name");
        }
        try {
            String type = str(json, "type", "data");
            int apiKey = json.containsKey("apiKey") ? toInt(json.get("apiKey")) : -1;
            long valid = Versions.parse(str(json, "validVersions", "none"));
            if (!Versions.contiguous(valid)) {
                throw new IllegalArgumentException("validVersions must be one range");
            }
            long flexible = Versions.parse(str(json, "flexibleVersions", "none")) & valid;
            Map<String, StructSpec> structs = new LinkedHashMap<>();
            List<Object> common = (List<Object>) json.getOrDefault("commonStructs", Collections.emptyList());
            for (Object o : common) {
                String sn = str((Map<String, Object>) o, "name", null);
                if (structs.put(sn, new StructSpec(sn)) != null) {
                    throw new IllegalArgumentException("common struct " + sn + " defined twice");
                }
            }
            Context ctx = new Context(valid, flexible, structs);
            StructSpec root = new StructSpec(name);
            ctx.fill(root, (List<Object>) json.getOrDefault("fields", Collections.emptyList()));
            for (Object o : common) {
                Map<String, Object> cs = (Map<String, Object>) o;
                ctx.fill(structs.get(str(cs, "name", null)),
                    (List<Object>) cs.getOrDefault("fields", Collections.emptyList()));
            }
            ctx.resolve(root);
            for (StructSpec s : new ArrayList<>(structs.values())) {
                ctx.resolve(s);
            }
            List<String> listeners = new ArrayList<>();
            for (Object l : (List<Object>) json.getOrDefault("listeners", Collections.emptyList())) {
                listeners.add((String) l);
            }
            boolean unstable = Boolean.TRUE.equals(json.get("latestVersionUnstable"));
            return new MessageSpec(name, type, apiKey, valid, flexible, root, structs, listeners, unstable, source);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " (" + name + "): " + e.getMessage(), e);
        }
    }

    /** Reading state for one schema. */
    private static final class Context {
        private final long valid;
        private final long flexible;
        private final Map<String, StructSpec> structs;

        Context(long valid, long flexible, Map<String, StructSpec> structs) {
            this.valid = valid;
            this.flexible = flexible;
            this.structs = structs;
        }

        @SuppressWarnings("unchecked")
        void fill(StructSpec struct, List<Object> fields) {
            for (Object o : fields) {
                Map<String, Object> f = (Map<String, Object>) o;
                String fname = str(f, "name", null);
                FieldType type = FieldType.parse(str(f, "type", ""));
                if (!f.containsKey("versions")) {
                    throw new IllegalArgumentException("field " + fname + " has no versions");
                }
                long versions = Versions.parse(str(f, "versions", "none")) & valid;
                long nullable = Versions.parse(str(f, "nullableVersions", "none")) & versions;
                if (nullable != 0 && !type.canBeNullable()) {
                    throw new IllegalArgumentException("field " + fname + " of type " + type + " cannot be nullable");
                }
                int tag = f.containsKey("tag") ? toInt(f.get("tag")) : -1;
                long tagged = Versions.parse(str(f, "taggedVersions", "none")) & versions;
                if (f.containsKey("taggedVersions") != (tag >= 0)) {
                    throw new IllegalArgumentException("field " + fname + " needs both tag and taggedVersions");
                }
                if ((tagged & ~flexible) != 0) {
                    throw new IllegalArgumentException("field " + fname + " is tagged in non-flexible versions");
                }
                long compact = f.containsKey("flexibleVersions")
                    ? Versions.parse(str(f, "flexibleVersions", "none")) & flexible : flexible;
                compact &= versions;
                if (!type.hasCompactForm() && compact != (flexible & versions)) {
                    throw new IllegalArgumentException("field " + fname + " cannot override flexibleVersions");
                }
                String def = f.containsKey("default") ? String.valueOf(f.get("default")) : null;
                long ignorable = Boolean.TRUE.equals(toBool(f.get("ignorable"))) ? -1L : 0L;
                boolean mapKey = Boolean.TRUE.equals(toBool(f.get("mapKey")));
                StructSpec nested = null;
                if (type.structName() != null) {
                    if (f.containsKey("fields")) {
                        nested = new StructSpec(type.structName());
                        if (structs.put(nested.name(), nested) != null) {
                            throw new IllegalArgumentException("struct " + nested.name() + " defined twice");
                        }
                        fill(nested, (List<Object>) f.get("fields"));
                    }
                } else if (f.containsKey("fields")) {
                    throw new IllegalArgumentException("field " + fname + " of type " + type + " has fields");
                }
                struct.fields().add(new FieldSpec(fname, type, versions, nullable, tagged, compact, tag, def,
                    ignorable, mapKey, nested, str(f, "about", "")));
            }
            checkUnique(struct);
        }

        /** Resolves references to common structs (and to structs defined elsewhere in the file). */
        void resolve(StructSpec struct) {
            List<FieldSpec> fields = struct.fields();
            for (int i = 0; i < fields.size(); i++) {
                FieldSpec f = fields.get(i);
                if (f.type().structName() != null && f.struct() == null) {
                    StructSpec target = structs.get(f.type().structName());
                    if (target == null) {
                        throw new IllegalArgumentException("unknown struct type " + f.type());
                    }
                    fields.set(i, f.withStruct(target));
                }
            }
        }
    }

    private static void checkUnique(StructSpec struct) {
        Map<String, Boolean> names = new LinkedHashMap<>();
        Map<Integer, Boolean> tags = new LinkedHashMap<>();
        for (FieldSpec f : struct.fields()) {
            if (names.put(f.name(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException("duplicate field " + f.name() + " in " + struct.name());
            }
            if (f.tag() >= 0 && tags.put(f.tag(), Boolean.TRUE) != null) {
                throw new IllegalArgumentException("duplicate tag " + f.tag() + " in " + struct.name());
            }
        }
    }

    static String str(Map<String, Object> m, String key, String def) {
        Object v = m.get(key);
        return v == null ? def : String.valueOf(v);
    }

    static int toInt(Object o) {
        if (o instanceof Number) {
            return ((Number) o).intValue();
        }
        return Integer.parseInt(String.valueOf(o).trim());
    }

    private static Boolean toBool(Object o) {
        if (o == null) {
            return Boolean.FALSE;
        }
        if (o instanceof Boolean) {
            return (Boolean) o;
        }
        return Boolean.parseBoolean(String.valueOf(o).trim());
    }
}
