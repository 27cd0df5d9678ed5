package io.samsa.compat.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.FixedHostPortGenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The container image, built from the repository's Dockerfile and run with an apache/kafka-style
 * environment, answers a Kafka client. Needs a Docker engine: where there is none the test is skipped and
 * says so.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ContainerImageIT {

    @Test
    @SuppressWarnings("deprecation") // a fixed host port keeps the advertised listener right, as in compose files
    void imageServesClientsConfiguredLikeApacheKafka() throws Exception {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            docker = false;
        }
        if (!docker) {
            System.out.println("ContainerImageIT skipped: no Docker engine is reachable on this machine");
        }
        Assumptions.assumeTrue(docker, "no Docker engine is reachable on this machine");
        Path root = Path.of(System.getProperty("compat.root", ".")).resolve("..").normalize();
        int port = 39092;
        ImageFromDockerfile image = new ImageFromDockerfile("samsa-compat-test", false)
                .withFileFromPath(".", root);
        try (FixedHostPortGenericContainer<?> c = new FixedHostPortGenericContainer<>(image.get())) {
            c.withFixedExposedPort(port, 9092)
                    .withEnv(Map.of(
                            "KAFKA_NODE_ID", "1",
                            "KAFKA_PROCESS_ROLES", "broker,controller",
                            "KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093",
                            "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://localhost:" + port,
                            "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093",
                            "KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER",
                            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"))
                    .waitingFor(Wait.forLogMessage(".*Samsa started.*", 1).withStartupTimeout(Duration.ofMinutes(2)))
                    .start();
            Properties p = new Properties();
            p.put("bootstrap.servers", "localhost:" + port);
            p.put("default.api.timeout.ms", "20000");
            try (Admin admin = Admin.create(p)) {
                assertEquals(1, admin.describeCluster().nodes().get().size());
                assertEquals(List.of(1), admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList());
            }
        }
    }
}
