package io.samsa.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * librdkafka through Debian's {@code kcat}: producing from stdin with keys, headers, codecs and acks,
 * consuming as JSON, and metadata. Topics are created by the runner ({@link Topics}); kcat has no admin
 * API. Each scenario runs kcat processes from the runner's thread.
 */
public final class KcatClient implements Client {
    private static final Pattern JSON_RECORD = Pattern.compile(
            "\"partition\":(\\d+),\"offset\":(\\d+),\"tstype\":\"\\w+\",\"ts\":(-?\\d+),.*?"
                    + "(?:\"headers\":\\[(.*?)\\],)?\"key\":(null|\"(.*?)\"),\"payload\":(null|\"(.*?)\")");

    private final String name;
    private final String unavailable;

    private KcatClient(String name, String unavailable) {
        this.name = name;
        this.unavailable = unavailable;
    }

    public static KcatClient create() {
        String v = ScriptClient.probe(List.of("kcat", "-V"));
        if (v == null) {
            return new KcatClient("kcat", "kcat is not installed (apt-get install kcat)");
        }
        Matcher m = Pattern.compile("Version (\\d+\\.\\d+\\.\\d+)").matcher(probeAll());
        return new KcatClient(m.find() ? "kcat-" + m.group(1) : "kcat", null);
    }

    private static String probeAll() {
        try {
            Process p = new ProcessBuilder("kcat", "-V").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
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
        return List.of("metadata", "roundtrip", "compression", "order-and-keys", "acks", "idempotence",
                "offsets-by-time", "max-message-size");
    }

    @Override
    public Outcome run(String scenario, String bootstrap, String prefix) {
        return Outcome.timed(() -> {
            switch (scenario) {
                case "metadata" -> metadata(bootstrap, prefix);
                case "roundtrip" -> roundTrip(bootstrap, prefix);
                case "compression" -> {
                    for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
                        produceAndCheck(bootstrap, prefix + "-" + codec, List.of("-z", codec), 100);
                    }
                }
                case "order-and-keys" -> orderAndKeys(bootstrap, prefix);
                case "acks" -> {
                    for (String acks : List.of("0", "1", "all")) {
                        produceAndCheck(bootstrap, prefix + "-" + acks, List.of("-X", "acks=" + acks), 30);
                    }
                }
                case "idempotence" -> produceAndCheck(bootstrap, prefix, List.of("-X", "enable.idempotence=true"),
                        200);
                case "offsets-by-time" -> offsetsByTime(bootstrap, prefix);
                case "max-message-size" -> maxMessageSize(bootstrap, prefix);
                default -> {
                    return Outcome.notApplicable();
                }
            }
            return null;
        });
    }

    private void metadata(String bootstrap, String topic) throws Exception {
        Topics.create(bootstrap, topic, 3, Map.of());
        String out = kcat(List.of("-b", bootstrap, "-L", "-J", "-t", topic), null, 0);
        check(out.contains("\"topic\":\"" + topic + "\""), "topic missing from metadata: " + out);
        int parts = out.split("\"partition\":").length - 1;
        checkEquals(3, parts, "partitions in metadata");
        check(out.contains("\"brokers\":[{\"id\":"), "no broker in metadata");
    }

    private void roundTrip(String bootstrap, String topic) throws Exception {
        Topics.create(bootstrap, topic, 1, Map.of());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            in.append("key-").append(i).append('\t').append("value-").append(i).append('\n');
        }
        kcat(List.of("-b", bootstrap, "-P", "-t", topic, "-p", "0", "-K", "\t", "-H", "h1=one", "-H", "h2=two"),
                in.toString(), 0);
        List<String[]> recs = consume(bootstrap, topic, 20);
        for (int i = 0; i < 20; i++) {
            String[] r = recs.get(i);
            checkEquals(Integer.toString(i), r[1], "offset");
            checkEquals("key-" + i, r[4], "key of " + i);
            checkEquals("value-" + i, r[5], "value of " + i);
            checkEquals("\"h1\",\"one\",\"h2\",\"two\"", r[3], "headers of " + i);
        }
    }

    private void produceAndCheck(String bootstrap, String topic, List<String> extra, int n) throws Exception {
        Topics.create(bootstrap, topic, 1, Map.of());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < n; i++) {
            in.append("k").append(i % 7).append('\t').append("record ").append(i).append(" abcabcabcabc\n");
        }
        List<String> args = new ArrayList<>(List.of("-b", bootstrap, "-P", "-t", topic, "-p", "0", "-K", "\t"));
        args.addAll(extra);
        kcat(args, in.toString(), 0);
        List<String[]> recs = consume(bootstrap, topic, n);
        for (int i = 0; i < n; i++) {
            checkEquals("record " + i + " abcabcabcabc", recs.get(i)[5], topic + " value " + i);
            checkEquals(Integer.toString(i), recs.get(i)[1], topic + " offset " + i);
        }
    }

    private void orderAndKeys(String bootstrap, String topic) throws Exception {
        Topics.create(bootstrap, topic, 3, Map.of());
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            in.append("key-").append(i % 10).append('\t').append(i).append('\n');
        }
        kcat(List.of("-b", bootstrap, "-P", "-t", topic, "-K", "\t"), in.toString(), 0);
        List<String[]> recs = consume(bootstrap, topic, 150);
        java.util.Map<String, String> partOfKey = new java.util.HashMap<>();
        java.util.Map<String, Integer> last = new java.util.HashMap<>();
        for (String[] r : recs) {
            String prev = partOfKey.putIfAbsent(r[4], r[0]);
            check(prev == null || prev.equals(r[0]), r[4] + " in partitions " + prev + " and " + r[0]);
            int seq = Integer.parseInt(r[5]);
            Integer l = last.put(r[0], seq);
            check(l == null || l < seq, "partition " + r[0] + " out of order: " + l + " then " + seq);
        }
    }

    private void offsetsByTime(String bootstrap, String topic) throws Exception {
        Topics.create(bootstrap, topic, 1, Map.of());
        long before = System.currentTimeMillis();
        kcat(List.of("-b", bootstrap, "-P", "-t", topic, "-p", "0"), "a\nb\nc\n", 0);
        List<String[]> recs = consume(bootstrap, topic, 3);
        long ts2 = Long.parseLong(recs.get(2)[2]);
        check(ts2 >= before - 60_000, "timestamp " + ts2 + " is not recent");
        // -o s@TS starts at the first offset whose timestamp is >= TS (ListOffsets by time).
        String out = kcat(List.of("-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "s@" + ts2, "-e", "-q",
                "-f", "%o\\n"), null, 0);
        long expected = Long.parseLong(recs.get(1)[2]) == ts2 ? (Long.parseLong(recs.get(0)[2]) == ts2 ? 0 : 1) : 2;
        checkEquals(Long.toString(expected), out.trim().lines().findFirst().orElse(""),
                "first offset at timestamp " + ts2);
    }

    private void maxMessageSize(String bootstrap, String topic) throws Exception {
        int limit = 20_000;
        Topics.create(bootstrap, topic, 1, Map.of("max.message.bytes", Integer.toString(limit)));
        kcat(List.of("-b", bootstrap, "-P", "-t", topic, "-p", "0"), "x".repeat(limit - 200) + "\n", 0);
        String out = kcat(List.of("-b", bootstrap, "-P", "-t", topic, "-p", "0", "-X", "message.max.bytes=1000000"),
                "y".repeat(limit + 1) + "\n", -1);
        check(out.toLowerCase().contains("too large"), "a record over max.message.bytes was not refused: " + out);
        List<String[]> recs = consume(bootstrap, topic, 1);
        checkEquals(limit - 200, recs.get(0)[5].length(), "size of the record under the limit");
    }

    /** Consumes exactly n records from the beginning; each is {partition, offset, ts, headers, key, value}. */
    private List<String[]> consume(String bootstrap, String topic, int n) throws Exception {
        String out = kcat(List.of("-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q"), null, 0);
        List<String[]> recs = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = JSON_RECORD.matcher(line);
            if (m.find()) {
                recs.add(new String[] {m.group(1), m.group(2), m.group(3), m.group(4), m.group(6), m.group(8)});
            }
        }
        checkEquals(n, recs.size(), "records consumed from " + topic);
        recs.sort((a, b) -> a[0].equals(b[0]) ? Long.compare(Long.parseLong(a[1]), Long.parseLong(b[1]))
                : a[0].compareTo(b[0]));
        return recs;
    }

    /** Runs kcat; {@code expectExit} -1 accepts any exit code. Returns stdout and stderr. */
    private static String kcat(List<String> args, String stdin, int expectExit) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("kcat");
        cmd.addAll(args);
        cmd.addAll(List.of("-X", "socket.timeout.ms=10000", "-X", "message.timeout.ms=20000"));
        Path out = Files.createTempFile("kcat", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kcat did not finish: " + String.join(" ", args));
            }
            String text = Files.readString(out);
            if (expectExit >= 0 && p.exitValue() != expectExit) {
                throw new AssertionError("kcat exited " + p.exitValue() + ": " + text.trim());
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
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
