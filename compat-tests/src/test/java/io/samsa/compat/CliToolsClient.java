package io.samsa.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka command-line tools from {@code org.apache.kafka:kafka-tools} (4.3.1, the newest on Maven
 * Central), run as {@code java -cp target/deps/tools/* MAIN ARGS} exactly as the kafka-*.sh scripts run
 * them: topics, console producer and consumer, consumer groups, configs, get-offsets, the verifiable
 * producer and consumer, and kafka-transactions (against a transaction the runner's own Java producer holds
 * open). Each tool run is a process started and awaited from the runner's thread.
 */
public final class CliToolsClient implements Client {
    private static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
    private static final String PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
    private static final String CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
    private static final String GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    private static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    private static final String VERIFIABLE_PRODUCER = "org.apache.kafka.tools.VerifiableProducer";
    private static final String VERIFIABLE_CONSUMER = "org.apache.kafka.tools.VerifiableConsumer";
    private static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";
    private static final List<String> CONFIG_COMMANDS = List.of("org.apache.kafka.tools.ConfigCommand",
            "kafka.admin.ConfigCommand");

    private final Path jars;
    private final String unavailable;

    public CliToolsClient(Path jars) {
        this.jars = jars;
        this.unavailable = Files.isDirectory(jars) ? null
                : "kafka-tools jars not found in " + jars + " (scripts/compat fetches them)";
    }

    @Override
    public String name() {
        return "kafka-cli-4.3.1";
    }

    @Override
    public String unavailableReason() {
        return unavailable;
    }

    @Override
    public List<String> scenarios() {
        return List.of("topic-admin", "roundtrip", "consumer-group", "configs", "get-offsets", "verifiable",
                "transactions");
    }

    @Override
    public Outcome run(String scenario, String bootstrap, String prefix) {
        return Outcome.timed(() -> {
            switch (scenario) {
                case "topic-admin" -> topicAdmin(bootstrap, prefix);
                case "roundtrip" -> roundTrip(bootstrap, prefix);
                case "consumer-group" -> consumerGroup(bootstrap, prefix);
                case "configs" -> {
                    String main = configCommand();
                    if (main == null) {
                        return Outcome.skip("kafka-configs (ConfigCommand) is in neither kafka-tools 4.3.1 nor "
                                + "kafka_2.13 4.4.0 on Maven Central");
                    }
                    configs(bootstrap, prefix, main);
                }
                case "get-offsets" -> getOffsets(bootstrap, prefix);
                case "verifiable" -> verifiable(bootstrap, prefix);
                case "transactions" -> transactions(bootstrap, prefix);
                default -> {
                    return Outcome.notApplicable();
                }
            }
            return null;
        });
    }

    private void topicAdmin(String b, String topic) throws Exception {
        tool(TOPICS, null, "--bootstrap-server", b, "--create", "--topic", topic, "--partitions", "2",
                "--replication-factor", "1", "--config", "retention.ms=3600000");
        check(tool(TOPICS, null, "--bootstrap-server", b, "--list").lines().anyMatch(topic::equals),
                "--list misses " + topic);
        String again = toolAnyExit(TOPICS, null, "--bootstrap-server", b, "--create", "--topic", topic,
                "--partitions", "2", "--replication-factor", "1");
        check(again.contains("already exists"), "second --create did not say the topic exists: " + again);
        tool(TOPICS, null, "--bootstrap-server", b, "--alter", "--topic", topic, "--partitions", "4");
        String desc = tool(TOPICS, null, "--bootstrap-server", b, "--describe", "--topic", topic);
        check(desc.contains("PartitionCount: 4"), "describe after alter: " + desc);
        check(desc.contains("retention.ms=3600000"), "describe misses the topic config: " + desc);
        tool(TOPICS, null, "--bootstrap-server", b, "--delete", "--topic", topic);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (tool(TOPICS, null, "--bootstrap-server", b, "--list").lines().anyMatch(topic::equals)) {
            check(System.nanoTime() < deadline, "deleted topic still listed");
        }
    }

    private void roundTrip(String b, String topic) throws Exception {
        Topics.create(b, topic, 1, Map.of());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            in.append("h1:one,h2:two\tkey-").append(i).append("\tvalue-").append(i).append('\n');
        }
        tool(PRODUCER, in.toString(), "--bootstrap-server", b, "--topic", topic, "--property", "parse.key=true",
                "--property", "parse.headers=true");
        String out = tool(CONSUMER, null, "--bootstrap-server", b, "--topic", topic, "--from-beginning",
                "--max-messages", "20", "--timeout-ms", "20000", "--property", "print.key=true",
                "--property", "print.headers=true", "--property", "print.offset=true");
        List<String> lines = out.lines().filter(l -> l.contains("value-")).toList();
        checkEquals(20, lines.size(), "records printed by the console consumer");
        for (int i = 0; i < 20; i++) {
            String l = lines.get(i);
            check(l.contains("Offset:" + i) && l.contains("h1:one,h2:two") && l.endsWith("key-" + i + "\tvalue-" + i),
                    "record " + i + " printed as: " + l);
        }
    }

    private void consumerGroup(String b, String topic) throws Exception {
        Topics.create(b, topic, 2, Map.of());
        String group = topic + "-g";
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            in.append("m").append(i).append('\n');
        }
        tool(PRODUCER, in.toString(), "--bootstrap-server", b, "--topic", topic);
        String out = tool(CONSUMER, null, "--bootstrap-server", b, "--topic", topic, "--group", group,
                "--from-beginning", "--max-messages", "30", "--timeout-ms", "20000");
        checkEquals(30L, out.lines().filter(l -> l.matches("m\\d+")).count(), "records read by the group");
        check(tool(GROUPS, null, "--bootstrap-server", b, "--list").lines().anyMatch(group::equals),
                "--list misses " + group);
        String desc = tool(GROUPS, null, "--bootstrap-server", b, "--describe", "--group", group);
        long total = 0;
        for (String l : desc.lines().toList()) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 6 && f[1].equals(topic)) {
                checkEquals("0", f[5], "lag of " + topic + "-" + f[2]);
                total += Long.parseLong(f[3]);
            }
        }
        checkEquals(30L, total, "committed offsets summed over partitions (" + desc.trim() + ")");
        tool(GROUPS, null, "--bootstrap-server", b, "--reset-offsets", "--group", group, "--topic", topic,
                "--to-earliest", "--execute");
        String after = tool(GROUPS, null, "--bootstrap-server", b, "--describe", "--group", group);
        for (String l : after.lines().toList()) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 6 && f[1].equals(topic)) {
                checkEquals("0", f[3], "offset after --reset-offsets --to-earliest");
            }
        }
    }

    private void configs(String b, String topic, String main) throws Exception {
        Topics.create(b, topic, 1, Map.of());
        tool(main, null, "--bootstrap-server", b, "--entity-type", "topics", "--entity-name", topic, "--alter",
                "--add-config", "retention.ms=7200000");
        String d = tool(main, null, "--bootstrap-server", b, "--entity-type", "topics", "--entity-name", topic,
                "--describe");
        check(d.contains("retention.ms=7200000"), "describe after alter: " + d);
    }

    private void getOffsets(String b, String topic) throws Exception {
        Topics.create(b, topic, 2, Map.of());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            in.append(i).append('\n');
        }
        tool(PRODUCER, in.toString(), "--bootstrap-server", b, "--topic", topic, "--property",
                "partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner");
        String latest = tool(GET_OFFSETS, null, "--bootstrap-server", b, "--topic", topic);
        long sum = 0;
        for (String l : latest.lines().filter(l -> l.startsWith(topic + ":")).toList()) {
            sum += Long.parseLong(l.substring(l.lastIndexOf(':') + 1));
        }
        checkEquals(10L, sum, "latest offsets summed (" + latest.trim() + ")");
        String earliest = tool(GET_OFFSETS, null, "--bootstrap-server", b, "--topic", topic, "--time", "-2");
        check(earliest.contains(topic + ":0:0") && earliest.contains(topic + ":1:0"), "earliest: " + earliest);
    }

    private void verifiable(String b, String topic) throws Exception {
        int n = 1000;
        Topics.create(b, topic, 3, Map.of());
        String prod = tool(VERIFIABLE_PRODUCER, null, "--bootstrap-server", b, "--topic", topic, "--max-messages",
                Integer.toString(n), "--acks", "-1");
        long acked = prod.lines().filter(l -> l.contains("\"producer_send_success\"")).count();
        checkEquals((long) n, acked, "messages acknowledged to the verifiable producer");
        String cons = tool(VERIFIABLE_CONSUMER, null, "--bootstrap-server", b, "--topic", topic, "--group-id",
                topic + "-g", "--max-messages", Integer.toString(n), "--reset-policy", "earliest");
        long consumed = 0;
        Matcher m = Pattern.compile("\"name\":\"records_consumed\",\"count\":(\\d+)").matcher(cons);
        while (m.find()) {
            consumed += Long.parseLong(m.group(1));
        }
        checkEquals((long) n, consumed, "messages the verifiable consumer read");
        check(!cons.contains("\"success\":false"), "an offset commit failed: " + cons);
    }

    /**
     * kafka-transactions.sh against a transaction the runner's Java producer holds open: list and describe show it
     * Ongoing in its partition, describe-producers shows the partition's open transaction, find-hanging finds
     * nothing (the coordinator knows the transaction), and abort by start offset ends it in the partition (a
     * read_committed reader's end offset moves past it).
     */
    private void transactions(String b, String topic) throws Exception {
        Topics.create(b, topic, 1, Map.of());
        String id = topic + "-id";
        Properties p = new Properties();
        p.put("bootstrap.servers", b);
        p.put("transactional.id", id);
        p.put("max.block.ms", "20000");
        p.put("delivery.timeout.ms", "20000");
        p.put("request.timeout.ms", "10000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "open".getBytes(StandardCharsets.UTF_8))).get();
            String list = tool(TRANSACTIONS, null, "--bootstrap-server", b, "list");
            check(list.lines().anyMatch(l -> l.trim().split("\\s+")[0].equals(id) && l.contains("Ongoing")),
                    "list does not show " + id + " Ongoing: " + output(list));
            String desc = tool(TRANSACTIONS, null, "--bootstrap-server", b, "describe", "--transactional-id", id);
            check(desc.contains("Ongoing") && desc.contains(topic + "-0"), "describe " + id + ": " + output(desc));
            String producers = tool(TRANSACTIONS, null, "--bootstrap-server", b, "describe-producers", "--topic",
                    topic, "--partition", "0");
            List<String> rows = producers.lines().filter(l -> l.matches("\\s*\\d+\\s+\\d+\\s+.*")).toList();
            checkEquals(1, rows.size(), "producers of " + topic + "-0 (" + output(producers) + ")");
            String[] f = rows.get(0).trim().split("\\s+");
            checkEquals("0", f[f.length - 1], "the open transaction's start offset");
            String hanging = tool(TRANSACTIONS, null, "--bootstrap-server", b, "find-hanging", "--topic", topic,
                    "--max-transaction-timeout", "0");
            check(hanging.lines().noneMatch(l -> l.trim().split("\\s+")[0].equals(topic)), "find-hanging reports the open "
                    + "transaction its coordinator knows: " + output(hanging));
            tool(TRANSACTIONS, null, "--bootstrap-server", b, "abort", "--topic", topic, "--partition", "0",
                    "--start-offset", "0");
            Properties c = new Properties();
            c.put("bootstrap.servers", b);
            c.put("isolation.level", "read_committed");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition(topic, 0);
                checkEquals(2L, consumer.endOffsets(List.of(tp)).get(tp),
                        "read_committed end offset after abort (the record and the abort marker)");
            }
        }
    }

    private String configCommand() {
        for (String main : CONFIG_COMMANDS) {
            String cls = main.replace('.', '/') + ".class";
            try (var files = Files.list(jars)) {
                for (Path jar : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
                    try (var z = new java.util.zip.ZipFile(jar.toFile())) {
                        if (z.getEntry(cls) != null) {
                            return main;
                        }
                    }
                }
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    private String tool(String main, String stdin, String... args) throws Exception {
        return runTool(main, stdin, true, args);
    }

    private String toolAnyExit(String main, String stdin, String... args) throws Exception {
        return runTool(main, stdin, false, args);
    }

    private String runTool(String main, String stdin, boolean mustSucceed, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", jars.toAbsolutePath() + "/*", main));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("kafka-cli", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(main.substring(main.lastIndexOf('.') + 1) + " did not finish");
            }
            String text = Files.readString(out);
            if (mustSucceed && p.exitValue() != 0) {
                throw new AssertionError(main.substring(main.lastIndexOf('.') + 1) + " " + String.join(" ", args)
                        + " exited " + p.exitValue() + ": " + lastLines(text));
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A tool's output without the logging framework's noise, lines joined by " | ". */
    private static String output(String text) {
        return String.join(" | ", text.lines().filter(l -> !l.isBlank() && !l.startsWith("SLF4J")).toList());
    }

    private static String lastLines(String text) {
        List<String> l = text.lines().filter(s -> !s.isBlank() && !s.startsWith("SLF4J")).toList();
        return String.join(" | ", l.subList(Math.max(0, l.size() - 3), l.size()));
    }

    private static void check(boolean cond, String message) {
        if (!cond) {
            throw new AssertionError(message);
        }
    }

    private static void checkEquals(Object expected, Object actual, String what) {
        if (!expected.equals(actual)) {
            throw new AssertionError(what + ": expected " + expected + " but was " + actual);
        }
    }
}
