package io.samsa.compat.docker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The podman command line, as {@link ContainerImageIT} uses it: the {@code runc} runtime, explicit {@code nofile}
 * and {@code nproc} limits (a container runtime's defaults are above what some machines let a process raise its
 * limits to), and a label on everything a test run creates so that it can all be removed at the end.
 */
final class Podman {
    /** podman's own default nproc limit for containers; higher values fail where the runtime cannot raise it. */
    private static final long MAX_NPROC = 32768;

    /** What a podman command printed (stdout and stderr together) and its exit status. */
    record Result(int exit, String out) {
        Result orFail(String what) {
            if (exit != 0) {
                throw new AssertionError(what + " failed with exit status " + exit + ":\n" + out);
            }
            return this;
        }
    }

    private final String label;
    private final List<String> ulimits;

    private Podman(String label, List<String> ulimits) {
        this.label = label;
        this.ulimits = ulimits;
    }

    /** Why podman cannot run containers here, or null when it can. */
    static String unavailableReason() {
        try {
            Result version = exec(List.of("podman", "--version"), 30);
            if (version.exit() != 0) {
                return "podman does not run: " + version.out().strip();
            }
            Result info = exec(List.of("podman", "--runtime", "runc", "info", "--format", "{{.Host.OCIRuntime.Name}}"),
                    60);
            return info.exit() == 0 ? null : "podman cannot use the runc runtime: " + info.out().strip();
        } catch (IOException e) {
            return "podman is not installed (.ci/run installs it)";
        }
    }

    /** A podman whose containers get this machine's hard limits (nproc capped at podman's default). */
    static Podman withLabel(String label) throws IOException {
        Result limits = exec(List.of("bash", "-c", "ulimit -Hn; ulimit -Hu"), 10).orFail("reading limits");
        String[] lines = limits.out().strip().split("\n");
        String nofile = cap(lines[0].strip(), 1L << 20);
        String nproc = cap(lines[1].strip(), MAX_NPROC);
        return new Podman(label, List.of("--ulimit", "nofile=" + nofile + ":" + nofile,
                "--ulimit", "nproc=" + nproc + ":" + nproc));
    }

    private static String cap(String limit, long max) {
        return "unlimited".equals(limit) ? Long.toString(max) : Long.toString(Math.min(Long.parseLong(limit), max));
    }

    String label() {
        return label;
    }

    /** {@code podman build} with the limits. */
    Result build(List<String> args, long timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc", "build"));
        cmd.addAll(ulimits);
        cmd.addAll(List.of("--label", label));
        cmd.addAll(args);
        return exec(cmd, timeoutSeconds);
    }

    /** {@code podman run} with the limits and the label; {@code args} are run's options, image and command. */
    Result run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc", "run"));
        cmd.addAll(ulimits);
        cmd.addAll(List.of("--label", label));
        cmd.addAll(args);
        return exec(cmd, 180);
    }

    /** Any other podman command. */
    Result podman(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc"));
        cmd.addAll(List.of(args));
        return exec(cmd, 120);
    }

    /** Removes every container this run created (running ones killed), with their anonymous volumes. */
    void removeContainers() throws IOException {
        for (String name : containers()) {
            podman("rm", "-f", "-v", "-t", "0", name);
        }
    }

    /** The names of the containers this run created, stopped ones included. */
    List<String> containers() throws IOException {
        Result names = podman("ps", "-a", "--format", "{{.Names}}", "--filter", "label=" + label)
                .orFail("listing containers");
        // Names have no spaces; podman's own warnings on the same output do.
        return names.out().strip().lines().map(String::strip).filter(n -> !n.isEmpty() && !n.contains(" ")).toList();
    }

    static Result exec(List<String> cmd, long timeoutSeconds) throws IOException {
        Path out = Files.createTempFile("podman", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd)
                            + "\n" + Files.readString(out));
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", cmd), e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
