package io.samsa.server.security.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.samsa.server.EmbeddedBroker;
import io.samsa.server.config.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * librdkafka over TLS: kcat ({@code -X security.protocol=ssl}) and python3-confluent-kafka produce and consume on an
 * SSL listener, and kcat with a client certificate on a listener that requires one. Skipped where the tools are not
 * installed ({@code apt-get install kcat python3-confluent-kafka}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsToolsIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static EmbeddedBroker broker;
    private static TestCertificates certs;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.get();
        broker = EmbeddedBroker.start(TlsIT.config(certs));
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static String bootstrap(String listener) {
        return "127.0.0.1:" + broker.broker().boundListeners().stream().filter(e -> e.listenerName()
                .equals(listener)).mapToInt(Endpoint::port).findFirst().orElseThrow();
    }

    private static boolean installed(String... cmd) {
        try {
            return run(null, cmd).exit == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String input, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static List<String> kcat(String listener, boolean clientCert, String... args) {
        List<String> cmd = new ArrayList<>(List.of("kcat", "-b", bootstrap(listener), "-X", "security.protocol=ssl",
                "-X", "ssl.ca.location=" + certs.dir.resolve("ca.pem")));
        if (clientCert) {
            cmd.addAll(List.of("-X", "ssl.certificate.location=" + certs.dir.resolve("client-chain.pem"),
                    "-X", "ssl.key.location=" + certs.dir.resolve("client-key.pem")));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void kcatProducesAndConsumesOverTls() throws Exception {
        assumeTrue(installed("kcat", "-V"), "kcat is not installed");
        for (String listener : new String[] {"SSL", "MTLS"}) {
            String topic = "kcat-" + listener.toLowerCase();
            boolean cert = listener.equals("MTLS");
            Result produced = run("k1:one\nk2:two\nk3:three\n", kcat(listener, cert, "-t", topic, "-P", "-K:")
                    .toArray(new String[0]));
            assertEquals(0, produced.exit, produced.out);
            Result consumed = run(null, kcat(listener, cert, "-t", topic, "-C", "-e", "-q", "-f", "%k=%s@%o\\n")
                    .toArray(new String[0]));
            assertEquals(0, consumed.exit, consumed.out);
            assertEquals("k1=one@0\nk2=two@1\nk3=three@2\n", consumed.out);
        }
        // Without a client certificate the MTLS listener refuses kcat.
        Result refused = run(null, kcat("MTLS", false, "-L", "-m", "5").toArray(new String[0]));
        assertNotEquals(0, refused.exit, refused.out);
    }

    @Test
    void confluentKafkaPythonOverTls() throws Exception {
        assumeTrue(installed(PYTHON, "-c", "import confluent_kafka"), "python3-confluent-kafka is not installed");
        Path script = certs.dir.resolve("tls_client.py");
        Files.writeString(script, """
                import sys
                from confluent_kafka import Producer, Consumer, TopicPartition
                conf = {'bootstrap.servers': sys.argv[1], 'security.protocol': 'SSL', 'ssl.ca.location': sys.argv[2]}
                p = Producer(conf)
                for i in range(5):
                    p.produce('python-tls', value=('value-%d' % i).encode(), partition=0)
                assert p.flush(30) == 0
                c = Consumer(dict(conf, **{'group.id': 'python-tls', 'auto.offset.reset': 'earliest'}))
                c.assign([TopicPartition('python-tls', 0, 0)])
                got = []
                while len(got) < 5:
                    m = c.poll(30)
                    if m is None:
                        break
                    if m.error() is None:
                        got.append(m.value().decode())
                c.close()
                print(','.join(got))
                """);
        Result r = run(null, PYTHON, script.toString(), bootstrap("SSL"), certs.dir.resolve("ca.pem").toString());
        assertEquals(0, r.exit, r.out);
        assertEquals("value-0,value-1,value-2,value-3,value-4", r.out.strip());
    }

    /** kafka-python (python3-kafka) over TLS, and with its client certificate on the listener that requires one. */
    @Test
    void kafkaPythonOverTlsAndMutualTls() throws Exception {
        assumeTrue(installed(PYTHON, "-c", "import kafka"), "python3-kafka is not installed");
        Path script = certs.dir.resolve("kafka_python_tls.py");
        Files.writeString(script, """
                import sys
                from kafka import KafkaProducer, KafkaConsumer, TopicPartition
                bootstrap, ca, topic = sys.argv[1], sys.argv[2], sys.argv[3]
                conf = dict(bootstrap_servers=bootstrap, security_protocol='SSL', ssl_cafile=ca)
                if len(sys.argv) > 4:
                    conf.update(ssl_certfile=sys.argv[4], ssl_keyfile=sys.argv[5])
                p = KafkaProducer(**conf)
                for i in range(5):
                    p.send(topic, ('value-%d' % i).encode(), partition=0).get(timeout=30)
                p.close()
                c = KafkaConsumer(consumer_timeout_ms=30000, **conf)
                c.assign([TopicPartition(topic, 0)])
                c.seek_to_beginning()
                got = []
                for m in c:
                    got.append(m.value.decode())
                    if len(got) == 5:
                        break
                c.close()
                print(','.join(got))
                """);
        String ca = certs.dir.resolve("ca.pem").toString();
        Result tls = run(null, PYTHON, script.toString(), bootstrap("SSL"), ca, "kafka-python-tls");
        assertEquals(0, tls.exit, tls.out);
        assertEquals("value-0,value-1,value-2,value-3,value-4", tls.out.strip());
        Result mtls = run(null, PYTHON, script.toString(), bootstrap("MTLS"), ca, "kafka-python-mtls",
                certs.dir.resolve("client-chain.pem").toString(), certs.dir.resolve("client-key.pem").toString());
        assertEquals(0, mtls.exit, mtls.out);
        assertEquals("value-0,value-1,value-2,value-3,value-4", mtls.out.strip());
    }
}
