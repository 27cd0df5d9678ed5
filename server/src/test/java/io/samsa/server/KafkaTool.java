package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Kafka's CLI tools (kafka-tools 4.3.1) in a child JVM on {@code target/kafka-tools/*}, which the
 * server POM copies before the ITs: the tools need kafka-clients 4.3.1, which cannot share the tests' classpath
 * (4.4.0). Every run is bounded by a timeout; stdout comes back as its non-blank lines.
 */
public final class KafkaTool {
    public static final Path CLASSPATH = Path.of("target", "kafka-tools").toAbsolutePath();

    /** kafka-tools 4.4.0 and its kafka-clients: the tools that 4.3.1 does not have in Java (ConfigCommand). */
    public static final Path CLASSPATH_4_4 = Path.of("target", "kafka-tools-4.4").toAbsolutePath();

    private final Path classpath;
    private final String mainClass;
    private final List<String> fixedArgs;

    /** One run: exit code, non-blank stdout lines, stderr. */
    public record Run(int exit, List<String> out, String err) {
        public String all() {
            return String.join("\n", out) + "\n" + err;
        }
    }

    public KafkaTool(String mainClass, String... fixedArgs) {
        this(CLASSPATH, mainClass, fixedArgs);
    }

    /** A tool on {@code classpath} ({@link #CLASSPATH} or {@link #CLASSPATH_4_4}). */
    public KafkaTool(Path classpath, String mainClass, String... fixedArgs) {
        assertTrue(Files.isDirectory(classpath), classpath + " is missing: run through `mvn verify`");
        this.classpath = classpath;
        this.mainClass = mainClass;
        this.fixedArgs = List.of(fixedArgs);
    }

    public Run run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath + "/*", mainClass));
        cmd.addAll(fixedArgs);
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("kafka-tool", ".out");
        Path err = Files.createTempFile("kafka-tool", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(mainClass + " " + String.join(" ", args) + " did not finish in 60 s");
            }
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
            return new Run(p.exitValue(), lines, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs and asserts exit code 0. */
    public Run ok(String... args) throws Exception {
        Run r = run(args);
        assertEquals(0, r.exit(), r.all());
        return r;
    }
}
