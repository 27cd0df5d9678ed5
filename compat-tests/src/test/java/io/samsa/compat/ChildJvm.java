package io.samsa.compat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java main class of this module's test class path run as a child process, with its output in a file: the way
 * the tests that kill a broker or an application with SIGKILL get a process of their own to kill. Not thread-safe:
 * start, kill and stop from the test's thread.
 */
public final class ChildJvm implements AutoCloseable {
    private static final String SAMSA_JARS = File.separator + "io" + File.separator + "samsa" + File.separator;
    private static String classPath;
    private final String name;
    private final List<String> command;
    private final Path output;
    private Process process;

    private ChildJvm(String name, List<String> command, Path output) {
        this.name = name;
        this.command = command;
        this.output = output;
    }

    /**
     * A child that runs {@code mainClass} with {@code args}, {@code jvmOptions} first, on the test class path
     * (surefire's and failsafe's {@code surefire.test.class.path}, which survives their manifest-only jar), its
     * standard output and error appended to {@code output}. Not started yet.
     */
    public static ChildJvm of(String name, Path output, List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new ChildJvm(name, List.copyOf(cmd), output);
    }

    /**
     * The test class path, with Samsa's own jars from the local Maven repository replaced by copies taken once per
     * test JVM (in {@code target/child-jvm-lib*}): a {@code mvn install} elsewhere rewrites those jars in place, and
     * a child that lives through it (a broker restarted on the same class path) would load half-written classes.
     */
    private static synchronized String classPath() {
        if (classPath == null) {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            try {
                Path lib = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "child-jvm-lib");
                List<String> entries = new ArrayList<>();
                for (String entry : cp.split(File.pathSeparator)) {
                    Path jar = Path.of(entry);
                    if (entry.endsWith(".jar") && entry.contains(SAMSA_JARS) && Files.isRegularFile(jar)) {
                        Path copy = lib.resolve(jar.getFileName());
                        Files.copy(jar, copy);
                        entries.add(copy.toString());
                    } else {
                        entries.add(entry);
                    }
                }
                classPath = String.join(File.pathSeparator, entries);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not copy Samsa's jars", e);
            }
        }
        return classPath;
    }

    /** Starts the process (again, after a kill or a stop). */
    public ChildJvm start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name, e);
        }
        return this;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path output() {
        return output;
    }

    /** {@code kill -9}: SIGKILL (what {@link Process#destroyForcibly} sends on Linux), then waits for the exit. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
        }
    }

    /** SIGTERM, a clean stop; SIGKILL after 30 s. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    @Override
    public String toString() {
        return name + (process == null ? "" : " (pid " + process.pid() + ")");
    }
}
