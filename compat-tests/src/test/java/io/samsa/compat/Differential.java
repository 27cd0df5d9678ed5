package io.samsa.compat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsRequest;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DescribeGroupsRequest;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.RequestHeader;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.protocol.Message;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The differential mode: one fixed sequence of requests is sent, at the same versions, to Samsa and to
 * the reference Apache Kafka; each pair of responses is flattened to {@code path = value} leaves (by
 * reflection over the generated message classes) and compared after masking what may differ between two
 * correct brokers (cluster ids, node ids, hosts and ports, topic ids, throttle times, timestamps, epochs,
 * error message text, member ids). The sequence covers topics, produce (valid, refused timestamps, a malformed
 * batch), fetch and list offsets after it, and a classic group's join, sync, heartbeat, offset commit and fetch and
 * leave; ids a broker hands out (topic id, member id, generation) are carried per broker. Differences listed in {@code compat-tests/differential-intended.txt} are shown as
 * intended; the others are counted. Runs on the caller's thread over two blocking sockets.
 */
public final class Differential {
    private static final Set<String> MASKED = Set.of("clusterId", "throttleTimeMs", "nodeId", "brokerId",
            "leaderId", "controllerId", "host", "port", "topicId", "sessionId", "leaderEpoch", "timestamp",
            "logAppendTimeMs", "errorMessage", "unknownTaggedFields", "replicaNodes", "isrNodes",
            "offlineReplicas", "eligibleLeaderReplicas", "lastKnownElr", "clusterAuthorizedOperations",
            "topicAuthorizedOperations", "finalizedFeaturesEpoch", "rack", "records", "memberId", "leader",
            "batchIndexErrorMessage");
    private static final short V_MAX = Short.MAX_VALUE;

    private final BrokerTarget samsa;
    private final BrokerTarget kafka;
    private final PrintStream out;
    private final List<String[]> intended = new ArrayList<>();

    public Differential(BrokerTarget samsa, BrokerTarget kafka, PrintStream out) {
        this.samsa = samsa;
        this.kafka = kafka;
        this.out = out;
    }

    /** Runs the sequence; prints every difference; returns how many were not documented as intended. */
    public int run() throws IOException {
        loadIntended(CompatPaths.root().resolve("differential-intended.txt"));
        String topic = "diff-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        Map<String, Function<Conn, Message>> steps = new LinkedHashMap<>();
        steps.put("ApiVersions", c -> new ApiVersionsRequest().setClientSoftwareName("samsa-differential")
                .setClientSoftwareVersion("1"));
        steps.put("CreateTopics", c -> new CreateTopicsRequest().setTimeoutMs(10_000).setTopics(List.of(
                new CreateTopicsRequest.CreatableTopic().setName(topic).setNumPartitions(2)
                        .setReplicationFactor((short) 1))));
        steps.put("CreateTopics again", steps.get("CreateTopics"));
        steps.put("Metadata", c -> new MetadataRequest().setTopics(List.of(
                new MetadataRequest.MetadataRequestTopic().setName(topic),
                new MetadataRequest.MetadataRequestTopic().setName(topic + "-missing"))));
        steps.put("ListOffsets earliest/latest", c -> listOffsets(topic));
        steps.put("Fetch out of range", c -> fetch(c, topic, 100));
        DifferentialFlows.produceAndFetch(steps, topic);
        steps.put("FindCoordinator", c -> new FindCoordinatorRequest().setKey("diff-group")
                .setCoordinatorKeys(List.of("diff-group")));
        steps.put("OffsetFetch unknown group", c -> new OffsetFetchRequest().setGroupId("diff-group")
                .setTopics(null).setGroups(List.of(new OffsetFetchRequest.OffsetFetchRequestGroup()
                        .setGroupId("diff-group").setTopics(null))));
        steps.put("DescribeGroups unknown group", c -> new DescribeGroupsRequest().setGroups(List.of("diff-group")));
        DifferentialFlows.classicGroup(steps, topic, "diff-group-" + topic);
        steps.put("DeleteTopics missing", c -> new DeleteTopicsRequest().setTimeoutMs(10_000).setTopicNames(
                List.of(topic + "-missing")).setTopics(List.of(new DeleteTopicsRequest.DeleteTopicState()
                        .setName(topic + "-missing"))));

        int unexplained = 0;
        int explained = 0;
        try (Conn s = new Conn(samsa.bootstrap()); Conn k = new Conn(kafka.bootstrap())) {
            Map<Short, short[]> sv = s.apiVersions();
            Map<Short, short[]> kv = k.apiVersions();
            out.println();
            out.println("Differential: " + samsa.name() + " vs " + kafka.name());
            for (Map.Entry<String, Function<Conn, Message>> step : steps.entrySet()) {
                Message probe = step.getValue().apply(s);
                short key = probe.apiKey();
                short version = common(sv.get(key), kv.get(key), probe);
                String label = step.getKey() + " (" + ApiMessageType.fromId(key).apiName() + " v" + version + ")";
                if (version < 0) {
                    unexplained += report(label, "api", "samsa=" + range(sv.get(key)) + " kafka=" + range(kv.get(key)));
                    continue;
                }
                Map<String, String> a = s.exchange(step.getValue().apply(s), version);
                Map<String, String> b = k.exchange(step.getValue().apply(k), version);
                Set<String> paths = new TreeSet<>(a.keySet());
                paths.addAll(b.keySet());
                int before = unexplained + explained;
                Set<String> reasons = new TreeSet<>();
                for (String p : paths) {
                    String va = a.get(p);
                    String vb = b.get(p);
                    if (va == null ? vb != null : !va.equals(vb)) {
                        String why = intendedReason(step.getKey(), p);
                        if (why != null) {
                            explained++;
                            reasons.add(why);
                        } else {
                            unexplained += report(label, p, "samsa=" + va + " kafka=" + vb);
                        }
                    }
                }
                for (String why : reasons) {
                    out.println("  intended  " + label + ": " + why);
                }
                if (unexplained + explained == before) {
                    out.println("  same      " + label);
                }
            }
        }
        out.println("Differential: " + unexplained + " difference(s), " + explained + " intended");
        return unexplained;
    }

    static ListOffsetsRequest listOffsets(String topic) {
        return new ListOffsetsRequest().setReplicaId(-1).setTopics(List.of(
                new ListOffsetsRequest.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                        new ListOffsetsRequest.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-2L),
                        new ListOffsetsRequest.ListOffsetsPartition().setPartitionIndex(1).setTimestamp(-1L)))));
    }

    /** A sessionless fetch of partition 0 at {@code offset}, naming the topic by name and by this broker's id. */
    static FetchRequest fetch(Conn c, String topic, long offset) {
        return new FetchRequest().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                .setSessionEpoch(-1).setTopics(List.of(new FetchRequest.FetchTopic().setTopic(topic)
                        .setTopicId(c.topicId).setPartitions(List.of(new FetchRequest.FetchPartition()
                                .setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(1 << 16)
                                .setCurrentLeaderEpoch(-1)))));
    }

    private int report(String label, String path, String values) {
        out.println("  DIFFERENT " + label + " " + path + ": " + values);
        return 1;
    }

    private static String range(short[] r) {
        return r == null ? "none" : r[0] + ".." + r[1];
    }

    /** The highest version both brokers serve and the generated classes know, or -1. */
    private static short common(short[] a, short[] b, Message m) {
        if (a == null || b == null) {
            return -1;
        }
        short hi = (short) Math.min(Math.min(a[1], b[1]), m.highestSupportedVersion());
        short lo = (short) Math.max(a[0], b[0]);
        return hi >= lo ? hi : -1;
    }

    private void loadIntended(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s\\|\\s", 3);
            if (f.length == 3) {
                intended.add(new String[] {f[0].trim(), f[1].trim(), f[2].trim()});
            }
        }
    }

    private String intendedReason(String step, String path) {
        for (String[] i : intended) {
            if (Pattern.matches(i[0], step) && Pattern.compile(i[1]).matcher(path).find()) {
                return i[2];
            }
        }
        return null;
    }

    /** Flattens a generated message to path -> value leaves, skipping masked fields. */
    static Map<String, String> flatten(Object o) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", o, out);
        return out;
    }

    private static void flatten(String path, Object o, Map<String, String> out) {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean
                || o instanceof java.util.UUID || o instanceof byte[]) {
            out.put(path, o instanceof byte[] ? ((byte[]) o).length + " bytes" : String.valueOf(o));
            return;
        }
        if (o instanceof List<?> list) {
            out.put(path + ".size", Integer.toString(list.size()));
            for (int i = 0; i < list.size(); i++) {
                flatten(path + "[" + key(list.get(i), i) + "]", list.get(i), out);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.samsa.wire.message.")) {
            out.put(path, String.valueOf(o));
            return;
        }
        for (Field f : o.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || MASKED.contains(f.getName())) {
                continue;
            }
            f.setAccessible(true);
            try {
                flatten(path.isEmpty() ? f.getName() : path + "." + f.getName(), f.get(o), out);
            } catch (IllegalAccessException e) {
                out.put(path + "." + f.getName(), "<unreadable>");
            }
        }
    }

    /** Lists are keyed by the element's name or index field when it has one, so order does not matter. */
    private static String key(Object e, int index) {
        for (String name : List.of("name", "topic", "apiKey", "partitionIndex", "partition", "index", "groupId",
                "key")) {
            try {
                Field f = e.getClass().getDeclaredField(name);
                f.setAccessible(true);
                return String.valueOf(f.get(e));
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // no such key field: next
            }
        }
        return Integer.toString(index);
    }

    /** One blocking connection speaking the protocol with the generated classes. */
    static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private int correlationId;
        /** What this broker answered that later requests must carry: the topic's id, the group member. */
        UUID topicId = new UUID(0, 0);
        String memberId = "";
        int generationId = -1;

        Conn(String bootstrap) throws IOException {
            String[] hp = bootstrap.split(",")[0].split(":");
            socket = new Socket(hp[0], Integer.parseInt(hp[1]));
            socket.setSoTimeout(15_000);
            in = new DataInputStream(socket.getInputStream());
        }

        Map<Short, short[]> apiVersions() throws IOException {
            ApiVersionsResponse r = (ApiVersionsResponse) send(new ApiVersionsRequest()
                    .setClientSoftwareName("samsa-differential").setClientSoftwareVersion("1"), (short) 3);
            Map<Short, short[]> m = new HashMap<>();
            for (ApiVersionsResponse.ApiVersion v : r.apiKeys()) {
                m.put(v.apiKey(), new short[] {v.minVersion(), v.maxVersion()});
            }
            return m;
        }

        Map<String, String> exchange(Message request, short version) {
            try {
                Message response = send(request, version);
                remember(response);
                return flatten(response);
            } catch (IOException | RuntimeException e) {
                return Map.of("<response>", "none: " + e);
            }
        }

        private void remember(Message response) {
            if (response instanceof MetadataResponse m) {
                for (MetadataResponse.MetadataResponseTopic t : m.topics()) {
                    if (t.name() != null && !t.name().endsWith("-missing") && t.topicId() != null) {
                        topicId = t.topicId();
                    }
                }
            } else if (response instanceof JoinGroupResponse j) {
                if (!j.memberId().isEmpty()) {
                    memberId = j.memberId();
                }
                generationId = j.generationId();
            }
        }

        Message send(Message request, short version) throws IOException {
            ApiMessageType type = ApiMessageType.fromId(request.apiKey());
            short hv = type.requestHeaderVersion(version);
            RequestHeader h = new RequestHeader().setRequestApiKey(request.apiKey()).setRequestApiVersion(version)
                    .setCorrelationId(++correlationId).setClientId("samsa-differential");
            int size = h.size(hv) + request.size(version);
            ByteBuf buf = Unpooled.buffer(size + 4);
            buf.writeInt(size);
            h.write(buf, hv);
            request.write(buf, version);
            socket.getOutputStream().write(buf.array(), buf.arrayOffset(), buf.readableBytes());
            byte[] resp = new byte[in.readInt()];
            in.readFully(resp);
            ByteBuf rb = Unpooled.wrappedBuffer(resp);
            new ResponseHeader().read(rb, type.responseHeaderVersion(version));
            Message m = type.newResponse();
            m.read(rb, version);
            return m;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
