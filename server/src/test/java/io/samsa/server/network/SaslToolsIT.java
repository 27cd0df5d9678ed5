package io.samsa.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Other clients and tools against a SASL_PLAINTEXT listener: kcat (librdkafka) and python3-confluent-kafka with PLAIN
 * and SCRAM, and Kafka's {@code kafka-configs.sh} (ConfigCommand of kafka-tools 4.4.0, from the cache that
 * {@code scripts/lib/kafka.sh} fills) adding and describing SCRAM users. A client that is not installed is skipped
 * with the reason printed.
 */
@Timeout(180)
class SaslToolsIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path TOOLS = Path.of(System.getProperty("user.home"), ".cache", "samsa", "kafka-tools-4.4.0",
            "libs");
    private static EmbeddedBroker broker;
    private static String sasl;

    @BeforeAll
    static void start() throws Exception {
        broker = SaslListenerIT.startSaslBroker(Map.of("sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"alice-secret\";"));
        sasl = "127.0.0.1:" + SaslListenerIT.saslPort(broker);
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    private record Run(int exit, String out) {
    }

    private static Run run(List<String> cmd, String stdin) throws Exception {
        Path out = Files.createTempFile("sasl-tool", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s: " + Files.readString(out));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void assume(boolean ok, String reason) {
        if (!ok) {
            System.out.println("Skipping: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
    }

    private static void addScramUser(String mechanism, String user, String password) throws Exception {
        assume(Files.isDirectory(TOOLS), TOOLS + " is missing (scripts/lib/kafka.sh kafka_tools_install 4.4.0)");
        Run r = run(configCommand("--alter", "--add-config", mechanism + "=[iterations=8192,password=" + password
                + "]", "--entity-type", "users", "--entity-name", user), null);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("Completed updating config for user " + user), r.out());
    }

    private static List<String> configCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", TOOLS + "/*", "org.apache.kafka.tools.ConfigCommand",
                "--bootstrap-server", "127.0.0.1:" + broker.port()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> kcat(String mechanism, String user, String password, String... args) {
        List<String> cmd = new ArrayList<>(List.of("kcat", "-b", sasl, "-X", "security.protocol=SASL_PLAINTEXT",
                "-X", "sasl.mechanism=" + mechanism, "-X", "sasl.username=" + user, "-X", "sasl.password=" + password));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void kafkaConfigsAddsDeletesAndDescribesScramUsers() throws Exception {
        addScramUser("SCRAM-SHA-256", "frank", "frank-secret");
        addScramUser("SCRAM-SHA-512", "grace", "grace-secret");
        addScramUser("SCRAM-SHA-256", "grace", "grace-secret");
        Run deleted = run(configCommand("--alter", "--delete-config", "SCRAM-SHA-512", "--entity-type", "users",
                "--entity-name", "grace"), null);
        assertEquals(0, deleted.exit(), deleted.out());
        var scram = broker.broker().services().metadata().image().scramCredentials();
        assertEquals(8192, scram.get("frank").get((byte) 1).iterations());
        assertEquals(Set.of((byte) 1), scram.get("grace").keySet());
        Run described = run(configCommand("--describe", "--entity-type", "users"), null);
        // kafka-configs describes users' quotas too: DescribeClientQuotas is the quota part of issue 16.
        assume(!described.out().contains("does not support DESCRIBE_CLIENT_QUOTAS"),
                "kafka-configs --describe --entity-type users needs DescribeClientQuotas");
        assertEquals(0, described.exit(), described.out());
        assertTrue(described.out().contains("SCRAM credential configs for user-principal 'frank' are "
                + "SCRAM-SHA-256=iterations=8192"), described.out());
        assertTrue(described.out().contains("SCRAM credential configs for user-principal 'grace' are "
                + "SCRAM-SHA-256=iterations=8192"), described.out());
    }

    @Test
    void kcatProducesWithPlainAndConsumesWithScram() throws Exception {
        assume(run(List.of("kcat", "-V"), null).exit() == 0, "kcat is not installed (apt-get install kcat)");
        addScramUser("SCRAM-SHA-512", "heidi", "heidi-secret");
        broker.createTopic("kcat-sasl", 1, Map.of());
        Run produced = run(kcat("PLAIN", "alice", "alice-secret", "-P", "-t", "kcat-sasl"), "one\ntwo\nthree\n");
        assertEquals(0, produced.exit(), produced.out());
        Run consumed = run(kcat("SCRAM-SHA-512", "heidi", "heidi-secret", "-C", "-e", "-t", "kcat-sasl",
                "-f", "%s@%o\n"), null);
        assertEquals(0, consumed.exit(), consumed.out());
        assertTrue(consumed.out().contains("one@0\ntwo@1\nthree@2\n"), consumed.out());
        Run refused = run(kcat("SCRAM-SHA-512", "heidi", "wrong", "-L", "-m", "5"), null);
        assertNotEquals(0, refused.exit(), refused.out());
        assertTrue(refused.out().contains("Authentication failed"), refused.out());
    }

    @Test
    void confluentKafkaPythonWithPlainAndScram() throws Exception {
        assume(Files.isExecutable(Path.of(PYTHON)) && run(List.of(PYTHON, "-c", "import confluent_kafka"), null)
                .exit() == 0, "python3-confluent-kafka is not installed (apt-get install python3-confluent-kafka)");
        addScramUser("SCRAM-SHA-256", "ivan", "ivan-secret");
        broker.createTopic("python-sasl", 1, Map.of());
        String script = String.join("\n",
                "import sys",
                "from confluent_kafka import Producer, Consumer",
                "def conf(mech, user, pw):",
                "    return {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_PLAINTEXT',",
                "            'sasl.mechanism': mech, 'sasl.username': user, 'sasl.password': pw}",
                "p = Producer(conf('PLAIN', 'alice', 'alice-secret'))",
                "for i in range(5):",
                "    p.produce('python-sasl', value=('m%d' % i).encode())",
                "assert p.flush(20) == 0",
                "c = dict(conf('SCRAM-SHA-256', 'ivan', 'ivan-secret'), **{'group.id': 'py-sasl',",
                "         'auto.offset.reset': 'earliest'})",
                "consumer = Consumer(c)",
                "consumer.subscribe(['python-sasl'])",
                "seen = []",
                "while len(seen) < 5:",
                "    m = consumer.poll(20)",
                "    assert m is not None, 'no message in 20 s'",
                "    assert m.error() is None, m.error()",
                "    seen.append('%s@%d' % (m.value().decode(), m.offset()))",
                "consumer.close()",
                "print(' '.join(seen))",
                "bad = Consumer(dict(conf('SCRAM-SHA-256', 'ivan', 'wrong'), **{'group.id': 'x'}))",
                "try:",
                "    bad.list_topics(timeout=5)",
                "    print('UNEXPECTED: listed topics with a wrong password')",
                "except Exception as e:",
                "    print('refused: %s' % e)");
        Run r = run(List.of(PYTHON, "-c", script, sasl), null);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("m0@0 m1@1 m2@2 m3@3 m4@4"), r.out());
        assertTrue(r.out().contains("refused:"), r.out());
    }
}
