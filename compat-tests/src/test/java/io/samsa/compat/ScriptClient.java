package io.samsa.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client driven by a script in another language (Python with confluent-kafka or kafka-python, Node with
 * kafkajs). The script is called as {@code SCRIPT... SCENARIO BOOTSTRAP PREFIX}, does its own assertions,
 * and exits 0 (pass), 77 (skip; the last line of its output says why) or anything else (fail; its last
 * lines say why). Each run is a process of its own with a time limit; the runner's thread waits for it.
 */
public final class ScriptClient implements Client {
    private static final long LIMIT_SECONDS = 120;
    private static final String PYTHON = "/usr/bin/python3";

    private final String name;
    private final List<String> command;
    private final List<String> scenarios;
    private final String unavailable;

    private ScriptClient(String name, List<String> command, List<String> scenarios, String unavailable) {
        this.name = name;
        this.command = command;
        this.scenarios = scenarios;
        this.unavailable = unavailable;
    }

    private static final List<String> PYTHON_SCENARIOS = List.of("metadata", "topic-admin", "roundtrip",
            "compression", "order-and-keys", "consumer-group", "offset-commit-resume", "pubsub-groups", "acks",
            "idempotence", "offsets-by-time", "max-message-size", "transactions");

    /** librdkafka through Debian's python3-confluent-kafka. */
    public static ScriptClient confluentKafka(Path root) {
        return python(root, "confluent", "import confluent_kafka; print(confluent_kafka.version()[0])",
                "confluent-kafka", "python3-confluent-kafka");
    }

    /** kafka-python through Debian's python3-kafka. */
    public static ScriptClient kafkaPython(Path root) {
        return python(root, "kafka-python", "import kafka; print(kafka.__version__)", "kafka-python",
                "python3-kafka");
    }

    /** kafkajs from npm, installed by scripts/compat into compat-tests/clients/kafkajs/node_modules. */
    public static ScriptClient kafkajs(Path root) {
        Path dir = root.resolve("clients/kafkajs");
        Path pkg = dir.resolve("node_modules/kafkajs/package.json");
        List<String> cmd = List.of("node", dir.resolve("scenarios.js").toString());
        List<String> scen = List.of("metadata", "topic-admin", "roundtrip", "compression", "order-and-keys",
                "consumer-group", "offset-commit-resume", "pubsub-groups", "acks", "idempotence", "max-message-size",
                "transactions");
        String version = probe(List.of("node", "-e", "console.log(require('" + pkg + "').version)"));
        if (version == null) {
            return new ScriptClient("kafkajs", cmd, scen, "kafkajs is not installed (node or npm missing, or "
                    + "`npm install` in compat-tests/clients/kafkajs not run; scripts/compat does it)");
        }
        return new ScriptClient("kafkajs-" + version, cmd, scen, null);
    }

    private static ScriptClient python(Path root, String lib, String versionCode, String label, String debPackage) {
        List<String> cmd = List.of(PYTHON, root.resolve("clients/python/scenarios.py").toString(), "--lib", lib);
        String version = probe(List.of(PYTHON, "-c", versionCode));
        if (version == null) {
            return new ScriptClient(label, cmd, PYTHON_SCENARIOS, "Debian package " + debPackage
                    + " is not installed (apt-get install " + debPackage + ")");
        }
        return new ScriptClient(label + "-" + version, cmd, PYTHON_SCENARIOS, null);
    }

    /** The first output line of {@code cmd}, or null when it cannot run or fails. */
    static String probe(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
                return null;
            }
            return out.lines().reduce((a, b) -> b).orElse(null);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String unavailableReason() {
        return unavailable;
    }

    @Override
    public List<String> scenarios() {
        return scenarios;
    }

    @Override
    public Outcome run(String scenario, String bootstrap, String prefix) {
        List<String> cmd = new ArrayList<>(command);
        cmd.add(scenario);
        cmd.add(bootstrap);
        cmd.add(prefix);
        return runProcess(cmd, LIMIT_SECONDS);
    }

    /** Runs {@code cmd} to completion (or the limit) and maps its exit code to an outcome. */
    static Outcome runProcess(List<String> cmd, long limitSeconds) {
        long t0 = System.nanoTime();
        Path log = null;
        try {
            log = Files.createTempFile("compat-client", ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(limitSeconds, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (!done) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return Outcome.fail("no result within " + limitSeconds + " s: " + tail(log, 3), ms);
            }
            int code = p.exitValue();
            if (code == 0) {
                return Outcome.pass(ms);
            }
            if (code == 77) {
                return Outcome.skip(tail(log, 1));
            }
            return Outcome.fail("exit " + code + ": " + tail(log, 3), ms);
        } catch (IOException e) {
            return Outcome.fail("cannot run " + cmd.get(0) + ": " + e.getMessage(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.fail("interrupted", 0);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temp file left behind
                }
            }
        }
    }

    private static String tail(Path log, int lines) throws IOException {
        List<String> all = Files.readAllLines(log);
        List<String> kept = new ArrayList<>();
        for (String l : all) {
            if (!l.isBlank() && !l.startsWith("%") && !l.contains("WARNING")) {
                kept.add(l.trim());
            }
        }
        return String.join(" | ", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
    }
}
