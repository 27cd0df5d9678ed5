import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The client of scripts/bench-cluster: times a 3-node cluster's start-up and its controller failover with the official
 * Java Admin client, the same way for Samsa and for Apache Kafka. Every wait polls every {@value #POLL_MS} ms.
 *
 * <p>{@code ClusterProbe start BOOTSTRAP TOPIC} prints {@code ready} once the client is loaded, then tries
 * CreateTopics (TOPIC, 1 partition, replication factor 3) until one succeeds and prints {@code created EPOCH_MS}: the
 * wall-clock time of the answer, which the script compares with the time it launched the processes. The Admin client
 * reconnects and retries every {@value #POLL_MS} ms; an error answer is retried after {@value #POLL_MS} ms.
 *
 * <p>{@code ClusterProbe failover ID=HOST:PORT,... PID_FILE_PATTERN TOPIC} asks DescribeQuorum for the active
 * controller, sends SIGKILL to its process (the pid in the pattern's file, {@code %d} standing for the node id), and
 * from that moment (a) tries CreateTopics (TOPIC, 1 partition, replication factor 2: two brokers are left) through an
 * Admin client bootstrapped on the surviving nodes only, and (b) sends a Metadata request (v4) for TOPIC to each
 * surviving broker on its own connection until both answer it without error. Prints {@code leader L create_ms C
 * metadata_ms M}, both counted from the kill. Exits 1 when 60 s pass.
 *
 * <p>Not part of the Maven build: run as a single source file with kafka-tools' jars on the class path.
 */
public final class ClusterProbe {
    private static final long POLL_MS = 50;
    private static final long GIVE_UP_MS = 120_000;

    private ClusterProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("start")) {
            start(args[1], args[2]);
        } else if (args.length == 4 && args[0].equals("failover")) {
            failover(args[1], args[2], args[3]);
        } else {
            System.err.println("usage: ClusterProbe start BOOTSTRAP TOPIC"
                + " | failover ID=HOST:PORT,... PID_FILE_PATTERN TOPIC");
            System.exit(2);
        }
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, String.valueOf(POLL_MS));
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, String.valueOf(POLL_MS));
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, String.valueOf(POLL_MS));
        p.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, String.valueOf(POLL_MS));
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "1000");
        p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "1000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        return Admin.create(p);
    }

    /** Tries CreateTopics until it succeeds (an answer that the topic exists counts: an earlier try made it). */
    private static boolean create(Admin admin, String topic, short replicationFactor, long deadlineMs)
            throws InterruptedException {
        while (System.currentTimeMillis() < deadlineMs) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, replicationFactor)),
                    new CreateTopicsOptions().timeoutMs(10_000)).all().get();
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return true;
                }
                Thread.sleep(POLL_MS);
            }
        }
        return false;
    }

    private static void start(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            // One try before "ready", so that the classes of the call are loaded before the clock starts.
            try {
                admin.createTopics(List.of(new NewTopic(topic + "-warm", 1, (short) 3)),
                    new CreateTopicsOptions().timeoutMs(1)).all().get();
            } catch (ExecutionException expected) {
                // nothing listens yet
            }
            System.out.println("ready");
            System.out.flush();
            if (!create(admin, topic, (short) 3, System.currentTimeMillis() + GIVE_UP_MS)) {
                System.err.println("ClusterProbe: no CreateTopics succeeded within " + GIVE_UP_MS + " ms");
                System.exit(1);
            }
            System.out.println("created " + System.currentTimeMillis());
        }
    }

    private static void failover(String nodes, String pidPattern, String topic) throws Exception {
        Map<Integer, String> clients = new java.util.TreeMap<>();
        for (String node : nodes.split(",")) {
            String[] kv = node.split("=", 2);
            clients.put(Integer.parseInt(kv[0]), kv[1]);
        }
        int leader;
        try (Admin all = admin(String.join(",", clients.values()))) {
            leader = all.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
        List<String> survivors = new ArrayList<>();
        clients.forEach((id, address) -> {
            if (id != leader) {
                survivors.add(address);
            }
        });
        long pid = Long.parseLong(Files.readString(Path.of(String.format(pidPattern, leader))).trim());
        ProcessHandle victim = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
        try (Admin admin = admin(String.join(",", survivors))) {
            admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            MetadataWatch[] watches = new MetadataWatch[survivors.size()];
            for (int i = 0; i < watches.length; i++) {
                watches[i] = new MetadataWatch(survivors.get(i), topic);
            }
            long killedNs = System.nanoTime();
            victim.destroyForcibly();
            long deadline = System.currentTimeMillis() + 60_000;
            for (MetadataWatch w : watches) {
                w.start(killedNs, deadline);
            }
            if (!create(admin, topic, (short) 2, deadline)) {
                System.err.println("ClusterProbe: no CreateTopics succeeded within 60 s of the kill");
                System.exit(1);
            }
            long createMs = (System.nanoTime() - killedNs) / 1_000_000;
            long metadataMs = 0;
            for (MetadataWatch w : watches) {
                w.join();
                if (w.shownMs < 0) {
                    System.err.println("ClusterProbe: " + w.address + " never showed " + topic);
                    System.exit(1);
                }
                metadataMs = Math.max(metadataMs, w.shownMs);
            }
            System.out.println("leader " + leader + " create_ms " + createMs + " metadata_ms " + metadataMs);
        }
    }

    /**
     * Polls one broker with Metadata v4 requests for one topic, on its own connection, until the topic-level error
     * code is NONE; records the milliseconds from the kill.
     */
    private static final class MetadataWatch extends Thread {
        private final String address;
        private final String topic;
        private long killedNs;
        private long deadlineMs;
        private volatile long shownMs = -1;

        MetadataWatch(String address, String topic) {
            this.address = address;
            this.topic = topic;
            setDaemon(true);
        }

        void start(long killedNs, long deadlineMs) {
            this.killedNs = killedNs;
            this.deadlineMs = deadlineMs;
            start();
        }

        @Override
        public void run() {
            String[] hp = address.split(":");
            int correlation = 0;
            while (System.currentTimeMillis() < deadlineMs) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 1000);
                    s.setSoTimeout(5000);
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    while (System.currentTimeMillis() < deadlineMs) {
                        if (topicError(out, in, ++correlation) == 0) {
                            shownMs = (System.nanoTime() - killedNs) / 1_000_000;
                            return;
                        }
                        Thread.sleep(POLL_MS);
                    }
                } catch (IOException e) {
                    sleepQuietly();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** One Metadata v4 round trip; the first topic's error code. */
        private short topicError(DataOutputStream out, DataInputStream in, int correlation) throws IOException {
            byte[] client = "cluster-probe".getBytes(StandardCharsets.UTF_8);
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            // Header v1: api key 3 (Metadata), version 4, correlation id, client id; body: one topic, no auto-create.
            int size = 2 + 2 + 4 + 2 + client.length + 4 + 2 + name.length + 1;
            out.writeInt(size);
            out.writeShort(3);
            out.writeShort(4);
            out.writeInt(correlation);
            out.writeShort(client.length);
            out.write(client);
            out.writeInt(1);
            out.writeShort(name.length);
            out.write(name);
            out.writeByte(0);
            out.flush();
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(response);
            if (b.getInt() != correlation) {
                throw new IOException("correlation id mismatch");
            }
            b.getInt(); // throttle_time_ms
            for (int brokers = b.getInt(); brokers > 0; brokers--) {
                b.getInt(); // node_id
                skipString(b); // host
                b.getInt(); // port
                skipString(b); // rack (nullable)
            }
            skipString(b); // cluster_id (nullable)
            b.getInt(); // controller_id
            if (b.getInt() < 1) {
                throw new IOException("no topic in the answer");
            }
            return b.getShort();
        }

        private static void skipString(java.nio.ByteBuffer b) {
            short len = b.getShort();
            if (len > 0) {
                b.position(b.position() + len);
            }
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
