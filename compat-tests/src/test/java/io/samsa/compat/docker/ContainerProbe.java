package io.samsa.compat.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Kafka client that {@link ContainerImageIT} runs beside a broker: in a container that shares the broker
 * container's network (so {@code localhost:9092} is the broker, as on the host of {@code docker run -p 9092:9092}),
 * or on the host itself. Prints what it saw as {@code key=value} lines for the test to check:
 *
 * <pre>
 *   ContainerProbe BOOTSTRAP TOPIC PRODUCE EXPECT GROUP CONFIG_NAMES [REPLICATION_FACTOR]
 * </pre>
 *
 * describes the cluster and the broker configs named (comma-separated), produces {@code PRODUCE} records to
 * {@code TOPIC} (created on first use) with acks=all, then consumes it in consumer group {@code GROUP} (empty:
 * {@code probe-TOPIC}) from its committed offsets, else from the start, until {@code EXPECT} records came, and
 * commits. {@code GROUP} {@code -} reads partition 0 from its start without a group (nothing committed), for a
 * cluster whose group coordinator may be the node that was stopped. With {@code REPLICATION_FACTOR}, the topic is
 * created first (one partition, that many replicas) unless it exists, and the probe also prints the metadata
 * quorum (its leader and voters, DescribeQuorum) and partition 0's leader, replicas and ISR after producing.
 * Exits 1 with the exception when a step fails.
 */
public final class ContainerProbe {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The GROUP argument for reading without a consumer group. */
    static final String NO_GROUP = "-";

    private ContainerProbe() {
    }

    public static void main(String[] args) {
        try {
            List<String> configs = args[5].isEmpty() ? List.of() : Arrays.asList(args[5].split(","));
            int replication = args.length > 6 ? Integer.parseInt(args[6]) : 0;
            run(args[0], args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), configs,
                    args[4].isEmpty() ? null : args[4], replication)
                    .forEach((k, v) -> System.out.println(k + "=" + v));
        } catch (Exception e) {
            System.out.println("error=" + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    /** The probe's findings, in key order; {@code group} null for {@code probe-TOPIC}. */
    static Map<String, String> run(String bootstrap, String topic, int produce, int expect, List<String> configs,
                                   String group) throws Exception {
        return run(bootstrap, topic, produce, expect, configs, group, 0);
    }

    /** As above; {@code replication} > 0 creates the topic with that many replicas and describes quorum and topic. */
    static Map<String, String> run(String bootstrap, String topic, int produce, int expect, List<String> configs,
                                   String group, int replication) throws Exception {
        String groupId = group == null ? "probe-" + topic : group;
        boolean noGroup = NO_GROUP.equals(groupId);
        Map<String, String> out = new TreeMap<>();
        Properties common = new Properties();
        common.put("bootstrap.servers", bootstrap);
        common.put("default.api.timeout.ms", Long.toString(TIMEOUT.toMillis()));
        common.put("request.timeout.ms", "20000");
        try (Admin admin = Admin.create(common)) {
            DescribeClusterResult cluster = admin.describeCluster();
            out.put("cluster.id", cluster.clusterId().get(30, TimeUnit.SECONDS));
            List<String> nodes = new ArrayList<>();
            for (Node n : cluster.nodes().get(30, TimeUnit.SECONDS)) {
                nodes.add(n.id() + "@" + n.host() + ":" + n.port());
            }
            nodes.sort(null);
            out.put("nodes", String.join(",", nodes));
            out.put("controller", Integer.toString(cluster.controller().get(30, TimeUnit.SECONDS).id()));
            if (replication > 0) {
                QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
                out.put("quorum.leader", Integer.toString(quorum.leaderId()));
                out.put("quorum.voters", joinSorted(quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId)
                        .toList()));
                if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) replication))).all()
                            .get(30, TimeUnit.SECONDS);
                }
            }
            if (!configs.isEmpty()) {
                ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER,
                        Integer.toString(cluster.controller().get(30, TimeUnit.SECONDS).id()));
                Config config = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
                for (String name : configs) {
                    out.put("config." + name, String.valueOf(config.get(name) == null ? null : config.get(name).value()));
                }
            }
            if (expect > 0 && !noGroup) {
                List<String> before = new ArrayList<>();
                admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                        .forEach((tp, om) -> before.add(tp.partition() + ":" + om.offset()));
                before.sort(null);
                out.put("committed.before", String.join(",", before));
            }
        }
        if (produce > 0) {
            Properties p = new Properties();
            p.putAll(common);
            p.put("acks", "all");
            p.put("enable.idempotence", "true");
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", StringSerializer.class.getName());
            RecordMetadata last = null;
            // Values unique across probes of the same topic, so that a re-read counts each record once.
            String stamp = Long.toHexString(System.currentTimeMillis()) + "-" + Long.toHexString(System.nanoTime());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < produce; i++) {
                    last = producer.send(new ProducerRecord<>(topic, "k" + i, topic + "-" + stamp + "-" + i))
                            .get(30, TimeUnit.SECONDS);
                }
            }
            out.put("produced", Integer.toString(produce));
            out.put("produced.last", last.partition() + "@" + last.offset());
        }
        if (replication > 0) {
            try (Admin admin = Admin.create(common)) {
                TopicPartitionInfo p0 = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get(topic).partitions().get(0);
                out.put("leader", Integer.toString(p0.leader().id()));
                out.put("replicas", joinSorted(p0.replicas().stream().map(Node::id).toList()));
                out.put("isr", joinSorted(p0.isr().stream().map(Node::id).toList()));
            }
        }
        if (expect > 0) {
            consume(common, topic, noGroup ? null : groupId, expect, out);
        }
        return out;
    }

    private static String joinSorted(List<Integer> ids) {
        return ids.stream().sorted().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** Consumes in {@code group}, committing, or with none ({@code null}): partition 0 from its start. */
    private static void consume(Properties common, String topic, String group, int expect, Map<String, String> out) {
        Properties c = new Properties();
        c.putAll(common);
        if (group != null) {
            c.put("group.id", group);
        }
        c.put("auto.offset.reset", "earliest");
        c.put("enable.auto.commit", "false");
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        Map<TopicPartition, OffsetAndMetadata> next = new TreeMap<>((a, b) -> Integer.compare(a.partition(),
                b.partition()));
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else {
                consumer.assign(List.of(new TopicPartition(topic, 0)));
                consumer.seekToBeginning(List.of(new TopicPartition(topic, 0)));
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (values.size() < expect && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                    next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
            }
            if (group != null) {
                consumer.commitSync(next, TIMEOUT);
            }
            out.put("partitions", Integer.toString(consumer.partitionsFor(topic).size()));
        }
        values.sort(null);
        out.put("consumed", Integer.toString(values.size()));
        out.put("consumed.distinct", Long.toString(values.stream().distinct().count()));
        List<String> committed = new ArrayList<>();
        next.forEach((tp, om) -> committed.add(tp.partition() + ":" + om.offset()));
        out.put("committed", String.join(",", committed));
    }
}
