package io.samsa.wire.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The generator's entry point, run at generate-sources. Two forms:
 * <ul>
 *   <li>{@code Main <currentSchemaDir> <legacySchemaDir> <outDir>} (the wire module): reads both of Kafka's schema
 *       sets, merges them into their union ({@link SchemaMerger}), and writes one class per message plus
 *       {@code ApiMessageType} under {@code outDir/io/samsa/wire/message}.</li>
 *   <li>{@code Main --package <pkg> [--registry <Class>] <schemaDir> <outDir>} (a module's own record schemas,
 *       such as the metadata or coordinator records): writes one class per schema in {@code pkg}, and with
 *       {@code --registry} an enum of the record types ({@link RecordTypeGenerator}).</li>
 * </ul>
 * Output is deterministic; files whose content is unchanged are not rewritten, and stale ones are deleted.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("--package")) {
            projectSchemas(args);
            return;
        }
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: Main <currentSchemaDir> <legacySchemaDir> <outDir>");
        }
        List<MessageSpec> merged = loadUnion(Path.of(args[0]), Path.of(args[1]));
        Map<String, String> files = new TreeMap<>();
        for (MessageSpec m : merged) {
            files.put(m.name() + ".java", MessageGenerator.generate(m));
        }
        files.put("ApiMessageType.java", RegistryGenerator.generate(merged));
        Path dir = Path.of(args[2]).resolve(MessageGenerator.PACKAGE.replace('.', '/'));
        write(dir, files);
    }

    private static void projectSchemas(String[] args) throws IOException {
        String pkg = null;
        String registry = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--package" -> pkg = args[++i];
                case "--registry" -> registry = args[++i];
                default -> rest.add(args[i]);
            }
        }
        if (pkg == null || rest.size() != 2) {
            throw new IllegalArgumentException("usage: Main --package <pkg> [--registry <Class>] <schemaDir> <outDir>");
        }
        List<MessageSpec> specs = readAll(Path.of(rest.get(0)));
        Map<String, String> files = new TreeMap<>();
        for (MessageSpec m : specs) {
            if (files.put(m.name() + ".java", MessageGenerator.generate(m, pkg)) != null) {
                throw new IllegalArgumentException("two schemas would generate class " + m.name());
            }
        }
        if (registry != null) {
            files.put(registry + ".java", RecordTypeGenerator.generate(pkg, registry, specs));
        }
        write(Path.of(rest.get(1)).resolve(pkg.replace('.', '/')), files);
    }

    /** Reads and merges both schema directories (the legacy one may be absent). Sorted by name. */
    public static List<MessageSpec> loadUnion(Path currentDir, Path legacyDir) throws IOException {
        List<MessageSpec> current = readAll(currentDir);
        List<MessageSpec> legacy = legacyDir != null && Files.isDirectory(legacyDir) ? readAll(legacyDir) : List.of();
        Map<String, MessageSpec> byKey = new LinkedHashMap<>();
        for (MessageSpec m : current) {
            if (byKey.put(key(m), m) != null) {
                throw new IllegalArgumentException("two current schemas for " + key(m));
            }
        }
        Map<String, MessageSpec> legacyByKey = new LinkedHashMap<>();
        for (MessageSpec m : legacy) {
            if (legacyByKey.put(key(m), m) != null) {
                throw new IllegalArgumentException("two legacy schemas for " + key(m));
            }
        }
        TreeMap<String, MessageSpec> out = new TreeMap<>();
        TreeSet<String> keys = new TreeSet<>(byKey.keySet());
        keys.addAll(legacyByKey.keySet());
        for (String k : keys) {
            MessageSpec m = SchemaMerger.merge(byKey.get(k), legacyByKey.get(k));
            if (out.put(m.name(), m) != null) {
                throw new IllegalArgumentException("two schemas would generate class " + m.name());
            }
        }
        return new ArrayList<>(out.values());
    }

    /** API messages pair by key and direction (names change, e.g. KIP-1142); others by name. */
    private static String key(MessageSpec m) {
        return m.isApi() ? m.type() + ":" + m.apiKey() : m.type() + ":" + m.name();
    }

    private static List<MessageSpec> readAll(Path dir) throws IOException {
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        List<MessageSpec> out = new ArrayList<>();
        for (Path p : paths) {
            out.add(SchemaReader.read(p));
        }
        return out;
    }

    private static void write(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (!files.containsKey(p.getFileName().toString())) {
                    Files.delete(p);
                }
            }
        }
        for (Map.Entry<String, String> e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            byte[] bytes = e.getValue().getBytes(StandardCharsets.UTF_8);
            if (Files.exists(p) && java.util.Arrays.equals(Files.readAllBytes(p), bytes)) {
                continue;
            }
            Files.write(p, bytes);
        }
    }
}
