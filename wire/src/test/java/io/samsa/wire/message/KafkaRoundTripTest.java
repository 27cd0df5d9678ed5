package io.samsa.wire.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.samsa.wire.codegen.MessageSpec;
import io.samsa.wire.codegen.SchemaReader;
import io.samsa.wire.codegen.Versions;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The exhaustive compatibility test: for every message (every API's request and response, both
 * headers and the data types) and every version in the union of both schema sets, random instances
 * are written by Samsa, read by the official client's generated class (kafka-clients 4.4.0, or
 * 3.9.1 in its own class loader for versions Kafka 4 dropped), written back by it byte for byte,
 * and read again by Samsa into an equal object. {@code -Droundtrip.seed=N} changes the seed.
 */
class KafkaRoundTripTest {
    private static final int INSTANCES = 20;
    private static final Path LEGACY_JAR = Path.of("target/legacy-client/kafka-clients-legacy.jar");

    @Test
    void everyMessageAndVersionMatchesTheOfficialClient() throws Exception {
        long seed = Long.getLong("roundtrip.seed", 20261122L);
        List<MessageSpec> union = RandomMessages.union();
        Map<String, MessageSpec> current = byKey(RandomMessages.CURRENT);
        Map<String, MessageSpec> legacy = byKey(RandomMessages.LEGACY);
        TreeSet<String> requestPairs = new TreeSet<>();
        TreeSet<String> responsePairs = new TreeSet<>();
        List<String> failures = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int instances = 0;
        int messageVersions = 0;
        try (KafkaOracle cur = KafkaOracle.current(); KafkaOracle leg = KafkaOracle.legacy(LEGACY_JAR)) {
            for (MessageSpec spec : union) {
                String key = key(spec);
                for (int v = spec.lowestVersion(); v >= 0 && v <= spec.highestVersion(); v++) {
                    short version = (short) v;
                    MessageSpec c = current.get(key);
                    boolean useCurrent = c != null && Versions.contains(c.valid(), v);
                    MessageSpec source = useCurrent ? c : legacy.get(key);
                    KafkaOracle oracle = useCurrent ? cur : leg;
                    String className = KafkaOracle.className(source.name(), source.type());
                    if (!oracle.hasClass(className)) {
                        if (!spec.type().equals("data")) {
                            failures.add("no official class " + className);
                        } else {
                            skipped.add(spec.name() + " v" + v);
                        }
                        continue;
                    }
                    messageVersions++;
                    RandomMessages gen = new RandomMessages(new Random(seed ^ (spec.name().hashCode() * 31L + v)));
                    for (int i = 0; i < INSTANCES; i++) {
                        try {
                            roundTrip(gen.randomMessage(spec, version), spec, version, oracle, className);
                            instances++;
                        } catch (Throwable t) {
                            failures.add(spec.name() + " v" + v + " instance " + i + ": " + t);
                            break;
                        }
                    }
                    if (spec.isApi()) {
                        (spec.type().equals("request") ? requestPairs : responsePairs).add(spec.apiKey() + ":" + v);
                    }
                }
            }
        }
        int expectedPairs = expectedApiVersionPairs();
        System.out.printf("KafkaRoundTripTest: %d (api, version) pairs checked for requests and %d for responses "
                + "(union of the schemas: %d); %d message versions, %d instances, seed %d; skipped %s%n",
            requestPairs.size(), responsePairs.size(), expectedPairs, messageVersions, instances, seed, skipped);
        assertEquals(List.of(), failures.subList(0, Math.min(30, failures.size())), failures.size() + " failures");
        assertEquals(expectedPairs, requestPairs.size());
        assertEquals(requestPairs, responsePairs);
    }

    private static void roundTrip(Message original, MessageSpec spec, short version, KafkaOracle oracle,
                                  String className) throws Exception {
        int size = original.size(version);
        ByteBuf buf = Unpooled.buffer(size);
        original.write(buf, version);
        assertEquals(size, buf.readableBytes(), "size() vs bytes written");
        byte[] ours = ByteBufUtil.getBytes(buf);
        Object official = oracle.read(className, ours, version);
        byte[] theirs = oracle.write(className, official, version);
        assertArrayEquals(ours, theirs, "bytes written back by the official class");
        Message back = (Message) original.getClass().getConstructor().newInstance();
        ByteBuf in = Unpooled.wrappedBuffer(theirs);
        back.read(in, version);
        assertEquals(0, in.readableBytes(), "bytes left after reading");
        assertEquals(original, back, "read back");
        assertEquals(original.hashCode(), back.hashCode(), "hash code");
        assertEquals(size, back.size(version), "size of the read-back message");
    }

    /** The number of (API key, version) pairs in the union, counted straight from the schema files. */
    private static int expectedApiVersionPairs() throws IOException {
        Map<Integer, Long> versions = new TreeMap<>();
        for (Path dir : List.of(RandomMessages.CURRENT, RandomMessages.LEGACY)) {
            for (MessageSpec m : readDir(dir)) {
                if (m.isApi() && m.type().equals("request")) {
                    versions.merge(m.apiKey(), m.valid(), (a, b) -> a | b);
                }
            }
        }
        int pairs = 0;
        for (long mask : versions.values()) {
            pairs += Long.bitCount(mask);
        }
        return pairs;
    }

    private static String key(MessageSpec m) {
        return m.isApi() ? m.type() + ":" + m.apiKey() : m.type() + ":" + m.name();
    }

    private static Map<String, MessageSpec> byKey(Path dir) throws IOException {
        Map<String, MessageSpec> out = new HashMap<>();
        for (MessageSpec m : readDir(dir)) {
            out.put(key(m), m);
        }
        return out;
    }

    private static List<MessageSpec> readDir(Path dir) throws IOException {
        List<MessageSpec> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(SchemaReader.read(p));
            }
        }
        return out;
    }
}
