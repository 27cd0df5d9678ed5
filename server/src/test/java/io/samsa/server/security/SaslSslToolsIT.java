package io.samsa.server.security;

import static io.samsa.server.ExternalTool.assume;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.ExternalTool;
import io.samsa.server.ExternalTool.Run;
import io.samsa.server.config.Endpoint;
import io.samsa.server.security.tls.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The non-Java clients over SASL_SSL (SASL inside TLS): kcat (librdkafka), python3-confluent-kafka and kafka-python
 * (python3-kafka) produce with PLAIN and consume with SCRAM-SHA-256/512, trusting the broker's CA from a PEM file; a
 * wrong password is refused. A client that is not installed is skipped with the reason printed ({@code .ci/run}
 * installs them).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SaslSslToolsIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\";";
    private static EmbeddedBroker broker;
    private static TestCertificates certs;
    private static String bootstrap;
    private static Path ca;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.get();
        Map<String, String> p = new HashMap<>(certs.brokerStores("PKCS12"));
        p.put("listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
        p.put("listener.name.sasl_ssl.plain.sasl.jaas.config", JAAS);
        broker = EmbeddedBroker.start(p);
        int port = broker.broker().boundListeners().stream().filter(e -> e.listenerName().equals("SASL_SSL"))
                .mapToInt(Endpoint::port).findFirst().orElseThrow();
        bootstrap = "127.0.0.1:" + port;
        ca = certs.dir.resolve("ca.pem");
        Properties admin = new Properties();
        admin.put("bootstrap.servers", "127.0.0.1:" + broker.port());
        try (Admin a = Admin.create(admin)) {
            a.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("sam", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096),
                            "sam-secret"),
                    new UserScramCredentialUpsertion("sue", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                            "sue-secret"))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        broker.close();
    }

    private static Run run(List<String> cmd, String stdin) throws Exception {
        return ExternalTool.run(cmd, stdin, 90);
    }

    private static boolean python(String module) throws Exception {
        return Files.isExecutable(Path.of(PYTHON)) && run(List.of(PYTHON, "-c", "import " + module), null).exit() == 0;
    }

    private static List<String> kcat(String mechanism, String user, String password, String... args) {
        List<String> cmd = new ArrayList<>(List.of("kcat", "-b", bootstrap, "-X", "security.protocol=SASL_SSL",
                "-X", "ssl.ca.location=" + ca, "-X", "sasl.mechanism=" + mechanism, "-X", "sasl.username=" + user,
                "-X", "sasl.password=" + password));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void kcatProducesWithPlainAndConsumesWithScram() throws Exception {
        assume(run(List.of("kcat", "-V"), null).exit() == 0, "kcat is not installed (apt-get install kcat)");
        broker.createTopic("kcat-sasl-ssl", 1, Map.of());
        Run produced = run(kcat("PLAIN", "alice", "alice-secret", "-P", "-t", "kcat-sasl-ssl", "-K:"),
                "k1:one\nk2:two\nk3:three\n");
        assertEquals(0, produced.exit(), produced.out());
        Run consumed = run(kcat("SCRAM-SHA-512", "sue", "sue-secret", "-C", "-e", "-q", "-t", "kcat-sasl-ssl",
                "-f", "%k=%s@%o\\n"), null);
        assertEquals(0, consumed.exit(), consumed.out());
        assertTrue(consumed.out().contains("k1=one@0\nk2=two@1\nk3=three@2\n"), consumed.out());
        Run refused = run(kcat("SCRAM-SHA-256", "sam", "wrong", "-L", "-m", "5"), null);
        assertNotEquals(0, refused.exit(), refused.out());
        assertTrue(refused.out().contains("Authentication failed"), refused.out());
    }

    @Test
    void confluentKafkaPythonProducesWithPlainAndConsumesWithScram() throws Exception {
        assume(python("confluent_kafka"), "python3-confluent-kafka is not installed");
        broker.createTopic("confluent-sasl-ssl", 1, Map.of());
        String script = String.join("\n",
                "import sys",
                "from confluent_kafka import Producer, Consumer",
                "def conf(mech, user, pw):",
                "    return {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SASL_SSL',",
                "            'ssl.ca.location': sys.argv[2], 'sasl.mechanism': mech, 'sasl.username': user,",
                "            'sasl.password': pw}",
                "p = Producer(conf('PLAIN', 'alice', 'alice-secret'))",
                "for i in range(5):",
                "    p.produce('confluent-sasl-ssl', value=('m%d' % i).encode())",
                "assert p.flush(30) == 0",
                "c = Consumer(dict(conf('SCRAM-SHA-256', 'sam', 'sam-secret'), **{'group.id': 'py-sasl-ssl',",
                "             'auto.offset.reset': 'earliest'}))",
                "c.subscribe(['confluent-sasl-ssl'])",
                "seen = []",
                "while len(seen) < 5:",
                "    m = c.poll(30)",
                "    assert m is not None, 'no message in 30 s'",
                "    assert m.error() is None, m.error()",
                "    seen.append('%s@%d' % (m.value().decode(), m.offset()))",
                "c.close()",
                "print(' '.join(seen))",
                "bad = Consumer(dict(conf('SCRAM-SHA-512', 'sue', 'wrong'), **{'group.id': 'x'}))",
                "try:",
                "    bad.list_topics(timeout=5)",
                "    print('UNEXPECTED: listed topics with a wrong password')",
                "except Exception as e:",
                "    print('refused: %s' % e)");
        Run r = run(List.of(PYTHON, "-c", script, bootstrap, ca.toString()), null);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("m0@0 m1@1 m2@2 m3@3 m4@4"), r.out());
        assertTrue(r.out().contains("refused:"), r.out());
    }

    @Test
    void kafkaPythonProducesWithPlainAndConsumesWithScram() throws Exception {
        assume(python("kafka"), "python3-kafka is not installed");
        broker.createTopic("kafka-python-sasl-ssl", 1, Map.of());
        String script = String.join("\n",
                "import sys",
                "from kafka import KafkaProducer, KafkaConsumer",
                "from kafka.errors import KafkaError",
                "def conf(mech, user, pw):",
                "    return dict(bootstrap_servers=sys.argv[1], security_protocol='SASL_SSL', ssl_cafile=sys.argv[2],",
                "                sasl_mechanism=mech, sasl_plain_username=user, sasl_plain_password=pw)",
                "p = KafkaProducer(**conf('PLAIN', 'alice', 'alice-secret'))",
                "for i in range(5):",
                "    p.send('kafka-python-sasl-ssl', ('v%d' % i).encode()).get(timeout=30)",
                "p.close()",
                "c = KafkaConsumer('kafka-python-sasl-ssl', group_id='kp-sasl-ssl', auto_offset_reset='earliest',",
                "                  consumer_timeout_ms=30000, **conf('SCRAM-SHA-512', 'sue', 'sue-secret'))",
                "seen = []",
                "for m in c:",
                "    seen.append('%s@%d' % (m.value.decode(), m.offset))",
                "    if len(seen) == 5:",
                "        break",
                "c.close()",
                "print(' '.join(seen))",
                "try:",
                "    KafkaProducer(request_timeout_ms=5000, max_block_ms=5000, **conf('SCRAM-SHA-256', 'sam', 'wrong'))",
                "    print('UNEXPECTED: connected with a wrong password')",
                "except Exception as e:",
                "    print('refused: %s' % type(e).__name__)");
        Run r = run(List.of(PYTHON, "-c", script, bootstrap, ca.toString()), null);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("v0@0 v1@1 v2@2 v3@3 v4@4"), r.out());
        assertTrue(r.out().contains("refused:"), r.out());
    }
}
