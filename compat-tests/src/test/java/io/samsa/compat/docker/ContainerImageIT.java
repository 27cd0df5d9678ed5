package io.samsa.compat.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The container image in a real container runtime (podman with runc), run the ways apache/kafka's documentation
 * runs apache/kafka, with only the image name changed: no variables at all, the single-node compose examples
 * (plaintext, file input, SSL), the examples with their optional variables left out, a published port, a data
 * volume that outlives its container, a non-root user (the image's own and an arbitrary one), and the 3-node
 * examples (combined, isolated) on a podman network, one broker stopped while a replicated topic keeps serving.
 *
 * <p>The image is built once from the repository's Dockerfile, with the jar this build packaged
 * ({@code --target prebuilt}) on a JRE base image: {@code -Dsamsa.container.runtimeImage=...}, else the one
 * {@code docker/base-image.sh} builds from Debian's packages (kept between runs, about 2 minutes the first time).
 * {@code -Dsamsa.container.jarFrom=source} builds the default target instead, Maven compiling the jar inside the
 * image build in {@code -Dsamsa.container.buildImage=...} (else {@code docker/base-image.sh --jdk}). Every container, volume and
 * image a run creates carries its label and is removed at the end. A client runs beside each broker in a
 * container that shares the broker's network ({@link ContainerProbe}), so {@code localhost:9092} is what it is
 * on the host of {@code docker run -p 9092:9092}; one case uses a published port from the host instead. The probes'
 * client logs, and every container's log of a 3-node case, stay in {@code target/container-logs/RUN/}.
 *
 * <p>Skipped, saying why, where podman is missing; {@code .ci/run} installs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ContainerImageIT {
    private static final Path ROOT = Path.of(System.getProperty("compat.root", ".")).resolve("..")
            .toAbsolutePath().normalize();
    /** apache/kafka's cluster id when CLUSTER_ID is unset. */
    private static final String DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw";
    private static final String CLUSTER_ID = "4L6g3nShT-eMCtK--X86sw";
    private static final String STARTED = "Samsa started";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Podman podman;
    private String image;
    private Path probeDir;
    private final List<String> volumes = new ArrayList<>();

    /** Why podman cannot run containers here (every case is skipped, saying so), or null. */
    private String unavailable;

    @BeforeAll
    void buildImage() throws Exception {
        unavailable = Podman.unavailableReason();
        if (unavailable != null) {
            System.out.println("ContainerImageIT skipped: " + unavailable);
            return;
        }
        long start = System.nanoTime();
        podman = Podman.withLabel("io.samsa.test=container-image-it-" + run);
        boolean fromSource = System.getProperty("samsa.container.jarFrom", "prebuilt").equals("source");
        List<String> args = new ArrayList<>(List.of("--layers=false",
                "--build-arg", "RUNTIME_IMAGE=" + baseImage("samsa.container.runtimeImage")));
        if (fromSource) {
            args.addAll(List.of("--build-arg", "BUILD_IMAGE=" + baseImage("samsa.container.buildImage", "--jdk")));
            // Maven in the build trusts what this machine's Java trusts (a network may intercept TLS).
            Path trust = Path.of("/etc/ssl/certs/java/cacerts");
            if (Files.isReadable(trust)) {
                args.addAll(List.of("-v", trust + ":" + trust + ":ro"));
            }
        } else {
            args.addAll(List.of("--target", "prebuilt"));
            assertTrue(Files.isRegularFile(ROOT.resolve("server/target/samsa-server.jar")),
                    "server/target/samsa-server.jar is missing: package the server first (mvn -pl compat-tests -am "
                            + "verify)");
        }
        long built = System.nanoTime();
        image = "localhost/samsa-container-it:" + run;
        args.addAll(List.of("-t", image, "-f", ROOT.resolve("Dockerfile").toString(), ROOT.toString()));
        podman.build(args, 1800).orFail("podman build");
        probeDir = probeFiles();
        System.out.printf("ContainerImageIT: base image ready in %d ms, %s built in %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(built - start), image,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - built));
    }

    @BeforeEach
    void needsPodman() {
        Assumptions.assumeTrue(unavailable == null, unavailable);
    }

    @AfterEach
    void removeContainers() throws IOException {
        if (podman != null) {
            podman.removeContainers();
        }
    }

    @AfterAll
    void removeImage() throws IOException {
        if (podman == null) {
            return;
        }
        podman.removeContainers();
        for (String volume : volumes) {
            podman.podman("volume", "rm", "-f", volume);
        }
        if (image != null) {
            podman.podman("rmi", "-f", image);
        }
        if (probeDir != null) {
            try (Stream<Path> files = Files.walk(probeDir)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** {@code docker run -p 9092:9092 apache/kafka}: Kafka's single-node server.properties, as the image's user. */
    @Test
    void withNoVariablesAtAllItRunsKafkasSingleNodeDefaults() throws Exception {
        String broker = start("plain", List.of());
        Map<String, String> seen = probe(broker, "localhost:9092", "first-run", 10, 10,
                "group.initial.rebalance.delay.ms", "offsets.topic.replication.factor", "log.dirs", "node.id");
        assertEquals(DEFAULT_CLUSTER_ID, seen.get("cluster.id"));
        assertEquals("1@localhost:9092", seen.get("nodes"));
        assertEquals("0", seen.get("config.group.initial.rebalance.delay.ms"));
        assertEquals("1", seen.get("config.offsets.topic.replication.factor"));
        assertEquals("/tmp/kraft-combined-logs", seen.get("config.log.dirs"));
        assertEquals("1", seen.get("config.node.id"));
        assertRoundTrip(seen, 10, "0:10");
        assertEquals("1000", exec(broker, "id", "-u"), "apache/kafka's appuser is uid 1000, not root");
    }

    /** docker/examples single-node/plaintext: two client listeners, each advertising its own address. */
    @Test
    void theSingleNodePlaintextExampleServesBothListeners() throws Exception {
        String broker = start("example", options("--hostname", "broker"), singleNodePlaintextExample());
        Map<String, String> host = probe(broker, "localhost:9092", "host-side", 5, 5);
        assertEquals(CLUSTER_ID, host.get("cluster.id"));
        assertEquals("1@localhost:9092", host.get("nodes"));
        assertRoundTrip(host, 5, "0:5");
        Map<String, String> internal = probe(broker, "broker:19092", "docker-side", 5, 5,
                "group.initial.rebalance.delay.ms");
        assertEquals("1@broker:19092", internal.get("nodes"));
        assertEquals("0", internal.get("config.group.initial.rebalance.delay.ms"));
        assertRoundTrip(internal, 5, "0:5");
    }

    /**
     * The example without what apache/kafka fills in: KAFKA_LISTENERS (from the advertised listeners, hosts
     * 0.0.0.0), CLUSTER_ID (the image's default), KAFKA_LOG_DIRS (Kafka's code default /tmp/kafka-logs), and the
     * settings that are only defaults then: no quick-start value applies once any variable is given.
     */
    @Test
    void optionalVariablesLeftOutTakeApacheKafkasDefaults() throws Exception {
        Map<String, String> env = singleNodePlaintextExample();
        for (String optional : List.of("KAFKA_LISTENERS", "CLUSTER_ID", "KAFKA_LOG_DIRS",
                "KAFKA_INTER_BROKER_LISTENER_NAME", "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR")) {
            assertTrue(env.remove(optional) != null, optional);
        }
        // Without KAFKA_LISTENERS, a combined node advertises its controller listener so that it is bound.
        env.put("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092,"
                + "CONTROLLER://broker:29093");
        String broker = start("optional", options("--hostname", "broker"), env);
        Map<String, String> seen = probe(broker, "localhost:9092", "defaults", 3, 3,
                "listeners", "log.dir", "group.initial.rebalance.delay.ms");
        assertEquals(DEFAULT_CLUSTER_ID, seen.get("cluster.id"));
        assertEquals("PLAINTEXT_HOST://0.0.0.0:9092,PLAINTEXT://0.0.0.0:19092,CONTROLLER://0.0.0.0:29093",
                seen.get("config.listeners"));
        assertEquals("/tmp/kafka-logs", seen.get("config.log.dir"));
        assertEquals("3000", seen.get("config.group.initial.rebalance.delay.ms"));
        assertRoundTrip(seen, 3, "0:3");
        assertEquals("/tmp/kafka-logs/metadata", exec(broker, "ls", "-d", "/tmp/kafka-logs/metadata"));
    }

    /**
     * docker/examples single-node/file-input, with its SSL listener left out: server.properties mounted on
     * /mnt/shared/config, and environment variables that override the file's values.
     */
    @Test
    void fileInputIsTheBaseAndVariablesOverrideIt() throws Exception {
        Path dir = Files.createTempDirectory(probeDir, "file-input");
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "advertised.listeners=PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092",
                "controller.listener.names=CONTROLLER",
                "group.initial.rebalance.delay.ms=0",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
                "log.dirs=/tmp/kraft-combined-logs",
                "num.partitions=2",
                "offsets.topic.replication.factor=1",
                "process.roles=broker",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.replication.factor=1", ""));
        readableByAll(dir);
        Map<String, String> env = variables("""
                CLUSTER_ID=4L6g3nShT-eMCtK--X86sw
                KAFKA_NODE_ID=1
                KAFKA_CONTROLLER_QUORUM_VOTERS=1@broker:29093
                KAFKA_LISTENERS=PLAINTEXT_HOST://:9092,CONTROLLER://:29093,PLAINTEXT://:19092
                KAFKA_PROCESS_ROLES=broker,controller
                KAFKA_NUM_PARTITIONS=3
                """);
        String broker = start("file-input", options("--hostname", "broker", "-v",
                dir + ":/mnt/shared/config:ro"), env);
        Map<String, String> seen = probe(broker, "localhost:9092", "from-file", 6, 6,
                "process.roles", "num.partitions", "group.initial.rebalance.delay.ms", "log.dirs");
        assertEquals(CLUSTER_ID, seen.get("cluster.id"));
        assertEquals("broker,controller", seen.get("config.process.roles"));
        assertEquals("3", seen.get("config.num.partitions"));
        assertEquals("3", seen.get("partitions"));
        assertEquals("0", seen.get("config.group.initial.rebalance.delay.ms"));
        assertEquals("/tmp/kraft-combined-logs", seen.get("config.log.dirs"));
        assertEquals("6", seen.get("consumed"));
    }

    /** A port published on the host, advertised as the host sees it (the cluster examples' convention). */
    @Test
    void aPublishedPortServesClientsOnTheHost() throws Exception {
        int port = freePort();
        Map<String, String> env = singleNodePlaintextExample();
        env.put("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT_HOST://localhost:" + port + ",PLAINTEXT://broker:19092");
        start("published", options("--hostname", "broker", "-p", "127.0.0.1:" + port + ":9092"), env);
        Map<String, String> seen = ContainerProbe.run("localhost:" + port, "from-host", 7, 7, List.of(), null);
        assertEquals("1@localhost:" + port, seen.get("nodes"));
        assertRoundTrip(seen, 7, "0:7");
    }

    /** A volume on /var/lib/kafka/data keeps the log, the topic and the group's offsets for the next container. */
    @Test
    void aDataVolumeOutlivesItsContainer() throws Exception {
        String volume = "samsa-it-" + run + "-data";
        podman.podman("volume", "create", "--label", podman.label(), volume).orFail("volume create");
        volumes.add(volume);
        Map<String, String> env = singleNodePlaintextExample();
        env.put("KAFKA_LOG_DIRS", "/var/lib/kafka/data");
        List<String> opts = options("--hostname", "broker", "-v", volume + ":/var/lib/kafka/data");
        String first = start("volume-1", opts, env);
        assertRoundTrip(probe(first, "localhost:9092", "kept", 50, 50), 50, "0:50");
        podman.podman("stop", "-t", "30", first).orFail("podman stop");
        podman.podman("rm", "-v", first).orFail("podman rm");

        String second = start("volume-2", opts, env);
        Map<String, String> again = probe(second, "localhost:9092", "kept", 10, 10);
        assertEquals("0:50", again.get("committed.before"), "the group's offsets survived");
        assertEquals("0@59", again.get("produced.last"), "the log continued where it was");
        assertEquals("0:60", again.get("committed"));
        Map<String, String> all = probeWithGroup(second, "localhost:9092", "kept", 60, "re-read");
        assertEquals("60", all.get("consumed.distinct"), "every record written before the restart is back");
        String logs = podman.podman("logs", second).out();
        assertTrue(logs.contains(" logs from /var/lib/kafka/data after a clean shutdown"),
                "the first container stopped cleanly on SIGTERM, the second loaded its logs: " + logs);
    }

    /** An arbitrary non-root uid (as OpenShift assigns), with no variables: everything it writes is in /tmp. */
    @Test
    void anArbitraryNonRootUserCanRunIt() throws Exception {
        String broker = start("any-user", options("--user", "4242:0"), Map.of());
        assertRoundTrip(probe(broker, "localhost:9092", "any-user", 4, 4), 4, "0:4");
        assertEquals("4242", exec(broker, "id", "-u"));
    }

    /**
     * docker/examples single-node/ssl: its key store comes through apache/kafka's secrets files, which Samsa does not
     * read: refused at start-up, naming the listener and its missing key store, never served as plaintext.
     */
    @Test
    void theSslExampleStopsWithAMessageNamingTheListener() throws Exception {
        String name = startNamed(name("ssl"), options("--hostname", "broker"), variables("""
                KAFKA_NODE_ID=1
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=SSL:SSL,CONTROLLER:PLAINTEXT,SSL-INTERNAL:SSL
                KAFKA_ADVERTISED_LISTENERS=SSL://localhost:9093,SSL-INTERNAL://broker:19093
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1
                KAFKA_PROCESS_ROLES=broker,controller
                KAFKA_CONTROLLER_QUORUM_VOTERS=1@broker:29093
                KAFKA_LISTENERS=SSL://:9093,CONTROLLER://:29093,SSL-INTERNAL://:19093
                KAFKA_INTER_BROKER_LISTENER_NAME=SSL-INTERNAL
                KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER
                KAFKA_LOG_DIRS=/tmp/kraft-combined-logs
                CLUSTER_ID=4L6g3nShT-eMCtK--X86sw
                KAFKA_SSL_KEYSTORE_FILENAME=kafka01.keystore.jks
                KAFKA_SSL_CLIENT_AUTH=required
                KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=
                """), false);
        assertEquals("2", podman.podman("wait", name).orFail("podman wait").out().strip(), "exit status");
        String logs = podman.podman("logs", name).out();
        assertTrue(logs.contains("Cannot set up TLS on listener SSL: SSL listener SSL has no key store"), logs);
        assertFalse(logs.contains(STARTED), logs);
    }

    /** docker/examples cluster/combined/plaintext: three nodes, each broker and controller. */
    @Test
    void theThreeNodeCombinedExample() throws Exception {
        threeNodes(false);
    }

    /** docker/examples cluster/isolated/plaintext: three controllers and three brokers. */
    @Test
    void theThreeNodeIsolatedExample() throws Exception {
        threeNodes(true);
    }

    /**
     * A 3-node compose example on a podman network of its own, where containers find each other by name (the
     * compose service names as network aliases, the brokers' hostnames as in the examples). A client beside kafka-1
     * sees the three brokers and the metadata quorum, creates a topic with three replicas, produces with acks=all
     * and reads it back; then the container of the partition's leader stops, and a client beside another broker
     * finds a new leader, produces again and reads every record back, those from before the stop included.
     */
    private void threeNodes(boolean isolated) throws Exception {
        String network = "samsa-it-" + run + "-net";
        podman.podman("network", "create", "--label", podman.label(), network).orFail("network create");
        try {
            String voters = isolated ? "1@controller-1:9093,2@controller-2:9093,3@controller-3:9093"
                    : "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093";
            Map<String, String> hosts = staticAddresses(network, isolated);
            List<String> nodes = new ArrayList<>();
            if (isolated) {
                for (int i = 1; i <= 3; i++) {
                    nodes.add(startNamed(name("controller-" + i), onNetwork(network, "controller-" + i, hosts),
                            isolatedController(i, voters), false));
                }
            }
            List<String> brokers = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                List<String> opts = new ArrayList<>(List.of("--hostname", "kafka-" + i));
                opts.addAll(onNetwork(network, "kafka-" + i, hosts));
                brokers.add(startNamed(name("kafka-" + i), opts, clusterBroker(i, isolated, voters), false));
            }
            nodes.addAll(brokers);
            // A combined node finishes starting once a quorum of voters is up: all are started before any is awaited.
            for (String node : nodes) {
                awaitStart(node);
            }
            int firstBroker = isolated ? 4 : 1;
            Map<String, String> seen = probe(brokers.get(0), List.of("kafka-1:19092", "replicated", "20", "20",
                    ContainerProbe.NO_GROUP, "", "3"));
            assertEquals(CLUSTER_ID, seen.get("cluster.id"));
            assertEquals(firstBroker + "@kafka-1:19092," + (firstBroker + 1) + "@kafka-2:19092," + (firstBroker + 2)
                    + "@kafka-3:19092", seen.get("nodes"), seen.toString());
            assertEquals("1,2,3", seen.get("quorum.voters"));
            int quorumLeader = Integer.parseInt(seen.get("quorum.leader"));
            assertTrue(quorumLeader >= 1 && quorumLeader <= 3, seen.toString());
            if (isolated) {
                // Clients cannot reach isolated controllers: the broker that answers names a live broker (itself),
                // as Kafka's do; the admin client asks whichever broker it chose.
                int controller = Integer.parseInt(seen.get("controller"));
                assertTrue(controller >= firstBroker && controller < firstBroker + 3, seen.toString());
            } else {
                assertEquals(seen.get("quorum.leader"), seen.get("controller"), "the active controller");
            }
            String all = firstBroker + "," + (firstBroker + 1) + "," + (firstBroker + 2);
            assertEquals(all, seen.get("replicas"));
            assertEquals(all, seen.get("isr"), "acks=all waited for every replica");
            assertEquals("0@19", seen.get("produced.last"));
            assertEquals("20", seen.get("consumed"), seen.toString());
            assertEquals("20", seen.get("consumed.distinct"), seen.toString());

            int leader = Integer.parseInt(seen.get("leader"));
            int stopped = leader - firstBroker;
            System.out.printf("ContainerImageIT: stopping %s, the leader of replicated-0 (quorum leader %s)%n",
                    brokers.get(stopped), seen.get("quorum.leader"));
            podman.podman("stop", "-t", "30", brokers.get(stopped)).orFail("podman stop");
            int survivor = (stopped + 1) % 3;
            List<String> again = List.of("kafka-" + (survivor + 1) + ":19092", "replicated", "10", "30",
                    ContainerProbe.NO_GROUP, "", "3");
            Map<String, String> after = probe(brokers.get(survivor), again);
            int newLeader = Integer.parseInt(after.get("leader"));
            assertTrue(newLeader != leader && all.contains(Integer.toString(newLeader)),
                    "leadership moved off stopped broker " + leader + ": " + after);
            assertEquals(after.get("consumed"), after.get("consumed.distinct"), after.toString());
            assertEquals("0@29", after.get("produced.last"), after.toString());
            assertEquals("30", after.get("consumed"), "the records from before the stop are all there: " + after);
            assertFalse(after.get("nodes").contains("kafka-" + (stopped + 1) + ":"), after.toString());
        } finally {
            saveLogs(isolated ? "isolated" : "combined");
            podman.removeContainers();
            podman.podman("network", "rm", "-f", network);
        }
    }

    /** Every container's log to {@code target/container-logs/RUN/what/}, beside the probes' client logs. */
    private void saveLogs(String what) throws IOException {
        Path dir = Files.createDirectories(logsDir().resolve(what));
        for (String node : podman.containers()) {
            Files.writeString(dir.resolve(node + ".log"), podman.podman("logs", node).out());
        }
    }

    /**
     * An address on {@code network} for each service of the example, by name. The names resolve from every
     * container's /etc/hosts, not only from the network's DNS: aardvark-dns (1.4 here) at times failed to answer for
     * some 25 s right after a container left the network, and a client resolving a live broker's name then hung in
     * its connect (a Kafka client resolves on its network thread) past its 30 s timeout, as Kafka's would.
     */
    private Map<String, String> staticAddresses(String network, boolean isolated) throws IOException {
        String subnet = podman.podman("network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}",
                network).orFail("network inspect").out().strip().split(" ")[0];
        assertTrue(subnet.endsWith(".0/24"), "podman's default subnet for a network: " + subnet);
        String prefix = subnet.substring(0, subnet.length() - "0/24".length());
        Map<String, String> hosts = new LinkedHashMap<>();
        for (int i = 1; i <= 3; i++) {
            if (isolated) {
                hosts.put("controller-" + i, prefix + (10 + i));
            }
            hosts.put("kafka-" + i, prefix + (20 + i));
        }
        return hosts;
    }

    /** Options that put a container on {@code network} as {@code service}: its alias, address and the hosts file. */
    private static List<String> onNetwork(String network, String service, Map<String, String> hosts) {
        List<String> opts = new ArrayList<>(List.of("--network", network, "--network-alias", service,
                "--ip", hosts.get(service)));
        hosts.forEach((name, ip) -> {
            if (!name.equals(service)) {
                opts.addAll(List.of("--add-host", name + ":" + ip));
            }
        });
        return opts;
    }

    /** An isolated example's controller: its own variables, then the ones every node of the example sets. */
    private static Map<String, String> isolatedController(int id, String voters) {
        Map<String, String> env = variables("""
                KAFKA_PROCESS_ROLES=controller
                KAFKA_LISTENERS=CONTROLLER://:9093
                """);
        env.put("KAFKA_NODE_ID", Integer.toString(id));
        env.putAll(clusterCommon(voters));
        return env;
    }

    /** A broker of the combined example (node i) or the isolated one (node 3 + i). */
    private static Map<String, String> clusterBroker(int i, boolean isolated, String voters) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_NODE_ID", Integer.toString(isolated ? 3 + i : i));
        env.put("KAFKA_PROCESS_ROLES", isolated ? "broker" : "broker,controller");
        env.put("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT");
        env.put("KAFKA_LISTENERS", isolated ? "PLAINTEXT://:19092,PLAINTEXT_HOST://:9092"
                : "PLAINTEXT://:19092,CONTROLLER://:9093,PLAINTEXT_HOST://:9092");
        env.put("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT");
        env.put("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://kafka-" + i + ":19092,PLAINTEXT_HOST://localhost:"
                + (10000 * (i + 1) + 9092));
        env.putAll(clusterCommon(voters));
        if (!isolated) {
            // The combined example is older than share groups and leaves these two out.
            env.remove("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR");
            env.remove("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR");
        }
        return env;
    }

    /** The variables every node of the cluster examples sets (the isolated example's share-group ones included). */
    private static Map<String, String> clusterCommon(String voters) {
        Map<String, String> env = variables("""
                KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER
                CLUSTER_ID=4L6g3nShT-eMCtK--X86sw
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0
                KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1
                KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1
                KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR=1
                KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR=1
                KAFKA_LOG_DIRS=/tmp/kraft-combined-logs
                """);
        env.put("KAFKA_CONTROLLER_QUORUM_VOTERS", voters);
        return env;
    }

    /** docker/examples/docker-compose-files/single-node/plaintext, as environment variables. */
    private static Map<String, String> singleNodePlaintextExample() {
        return variables("""
                KAFKA_NODE_ID=1
                KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT
                KAFKA_ADVERTISED_LISTENERS=PLAINTEXT_HOST://localhost:9092,PLAINTEXT://broker:19092
                KAFKA_PROCESS_ROLES=broker,controller
                KAFKA_CONTROLLER_QUORUM_VOTERS=1@broker:29093
                KAFKA_LISTENERS=CONTROLLER://:29093,PLAINTEXT_HOST://:9092,PLAINTEXT://:19092
                KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT
                KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER
                CLUSTER_ID=4L6g3nShT-eMCtK--X86sw
                KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1
                KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0
                KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1
                KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1
                KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR=1
                KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR=1
                KAFKA_LOG_DIRS=/tmp/kraft-combined-logs
                """);
    }

    /** NAME=VALUE lines as an ordered, modifiable map of environment variables. */
    private static Map<String, String> variables(String lines) {
        Map<String, String> env = new LinkedHashMap<>();
        lines.lines().filter(l -> !l.isBlank())
                .forEach(l -> env.put(l.substring(0, l.indexOf('=')).strip(), l.substring(l.indexOf('=') + 1)));
        return env;
    }

    private static void assertRoundTrip(Map<String, String> seen, int records, String committed) {
        assertEquals(Integer.toString(records), seen.get("consumed"), seen.toString());
        assertEquals(Integer.toString(records), seen.get("consumed.distinct"), seen.toString());
        assertEquals(committed, seen.get("committed"), seen.toString());
    }

    private String start(String name, List<String> options) throws Exception {
        return start(name, options, Map.of());
    }

    private String start(String name, List<String> options, Map<String, String> env) throws Exception {
        return startNamed(name(name), options, env, true);
    }

    /** Runs the image detached; returns when its broker has started ({@code awaitStart}) or at once. */
    private String startNamed(String name, List<String> options, Map<String, String> env, boolean awaitStart)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("-d", "--name", name));
        args.addAll(options);
        env.forEach((k, v) -> args.addAll(List.of("-e", k + "=" + v)));
        args.add(image);
        podman.run(args).orFail("podman run " + name);
        if (awaitStart) {
            awaitStart(name);
        }
        return name;
    }

    /** Waits for the broker's start-up line (another process's output: polled), failing if the container exits. */
    private void awaitStart(String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            String logs = podman.podman("logs", name).out();
            if (logs.contains(STARTED)) {
                return;
            }
            String state = podman.podman("inspect", "--format", "{{.State.Status}}", name).out().strip();
            assertFalse(state.equals("exited") || state.equals("stopped"), name + " exited:\n" + logs);
            assertTrue(System.nanoTime() < deadline, name + " did not start:\n" + logs);
            Thread.sleep(200); // waiting for another process's start-up line
        }
    }

    private Map<String, String> probe(String broker, String bootstrap, String topic, int produce, int expect,
                                      String... configs) throws IOException {
        return probe(broker, List.of(bootstrap, topic, Integer.toString(produce), Integer.toString(expect), "",
                String.join(",", configs)));
    }

    private Map<String, String> probeWithGroup(String broker, String bootstrap, String topic, int expect,
                                               String group) throws IOException {
        return probe(broker, List.of(bootstrap, topic, "0", Integer.toString(expect), group, ""));
    }

    /** Runs {@link ContainerProbe} in a container sharing {@code broker}'s network; its findings. */
    private Map<String, String> probe(String broker, List<String> probeArgs) throws IOException {
        // The client's own log (the Kafka client's INFO lines, with times) goes to target/container-logs/RUN/probes.
        Path clientLogs = Files.createDirectories(logsDir().resolve("probes"));
        Files.setPosixFilePermissions(clientLogs, PosixFilePermissions.fromString("rwxrwxrwx"));
        String logName = System.currentTimeMillis() + "-beside-" + broker + ".log";
        List<String> args = new ArrayList<>(List.of("--rm", "--network", "container:" + broker,
                "-v", probeDir + ":/opt/probe:ro", "-v", clientLogs + ":/opt/probe-logs", image,
                "java", "-Xmx128m", "-Dorg.slf4j.simpleLogger.logFile=/opt/probe-logs/" + logName,
                "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", "/opt/probe/classes:/opt/probe/lib/*", ContainerProbe.class.getName()));
        args.addAll(probeArgs);
        Podman.Result r = podman.run(args);
        Map<String, String> seen = new LinkedHashMap<>();
        r.out().lines().filter(l -> l.indexOf('=') > 0 && !l.startsWith(" ") && !l.startsWith("\t"))
                .forEach(l -> seen.putIfAbsent(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        if (r.exit() != 0) {
            StringBuilder logs = new StringBuilder();
            for (String node : podman.containers()) {
                if (node.startsWith(name(""))) {
                    logs.append("\n--- log of ").append(node).append(":\n").append(podman.podman("logs", node).out());
                }
            }
            throw new AssertionError("probe beside " + broker + " failed:\n" + r.out() + logs);
        }
        return seen;
    }

    /** Where this run keeps the containers' and the probes' logs (kept after the run, in target/). */
    private Path logsDir() {
        return ROOT.resolve("compat-tests/target/container-logs/" + run);
    }

    private String exec(String container, String... command) throws IOException {
        List<String> args = new ArrayList<>(List.of("exec", container));
        args.addAll(List.of(command));
        return podman.podman(args.toArray(String[]::new)).orFail("podman exec").out().strip();
    }

    private String name(String name) {
        return "samsa-it-" + run + "-" + name;
    }

    private static List<String> options(String... options) {
        return List.of(options);
    }

    /** The image named by {@code property}, else the one docker/base-image.sh builds (and keeps). */
    private static String baseImage(String property, String... scriptArgs) throws IOException {
        String image = System.getProperty(property);
        if (image != null && !image.isBlank()) {
            return image;
        }
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("docker/base-image.sh").toString()));
        cmd.addAll(List.of(scriptArgs));
        Podman.Result r = Podman.exec(cmd, 1800).orFail("docker/base-image.sh");
        List<String> lines = r.out().strip().lines().toList();
        return lines.get(lines.size() - 1).strip();
    }

    /** The probe's class files and the client jars from this test's class path, readable by any container user. */
    private Path probeFiles() throws Exception {
        Path dir = Files.createTempDirectory("samsa-container-probe");
        Path classes = dir.resolve("classes/" + ContainerProbe.class.getPackageName().replace('.', '/'));
        Files.createDirectories(classes);
        Path compiled = Path.of(ContainerProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(ContainerProbe.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(compiled)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("ContainerProbe")).toList()) {
                Files.copy(f, classes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            if (file.endsWith(".jar") && Stream.of("kafka-clients-", "zstd-jni-", "lz4-java-", "snappy-java-",
                    "slf4j-api-", "slf4j-simple-").anyMatch(file::startsWith)) {
                Files.copy(Path.of(entry), lib.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        readableByAll(dir);
        return dir;
    }

    private static void readableByAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
