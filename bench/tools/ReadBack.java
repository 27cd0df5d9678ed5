import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The reader of scripts/faults: reads every partition of a topic from its beginning with the official Java consumer
 * (assigned partitions, no group, read_uncommitted unless told) and prints one JSON object per record, {"partition": P,
 * "offset": O, "value": V}, for scripts/lib/faults_check.py.
 *
 * <p>{@code ReadBack BOOTSTRAP TOPIC} reads up to the end offsets the brokers give at the start, then exits (0; 1 when
 * the end is not reached within 120 s). {@code ReadBack BOOTSTRAP TOPIC --follow} keeps reading until SIGTERM, as a
 * consumer during the faults; a fetch position beyond the log's end (the log went back below what was read) prints
 * {"event": "out_of_range", "partition": P, "offset": O} and goes on from the new end. {@code --read-committed}
 * reads as a read_committed consumer (up to the last stable offsets; records of aborted transactions left out).
 *
 * <p>Not part of the Maven build: scripts/faults runs it as a single source file with kafka-tools' jars on the class
 * path.
 */
public final class ReadBack {
    private ReadBack() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ReadBack BOOTSTRAP TOPIC [--follow] [--read-committed]");
            System.exit(2);
        }
        List<String> flags = List.of(args).subList(2, args.length);
        boolean follow = flags.contains("--follow");
        boolean committed = flags.contains("--read-committed");
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        CountDownLatch done = new CountDownLatch(1);
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    main.interrupt();
                }
            }));
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(args[1], Duration.ofSeconds(60))) {
                parts.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = follow ? Map.of() : new HashMap<>(consumer.endOffsets(parts,
                    Duration.ofSeconds(60)));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            int exit = 0;
            try {
                while (follow || !reached(consumer, end)) {
                    if (!follow && System.nanoTime() > deadline) {
                        System.err.println("ReadBack: the end " + end + " was not reached within 120 s");
                        exit = 1;
                        break;
                    }
                    try {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                            out.printf("{\"partition\": %d, \"offset\": %d, \"value\": %s}%n", r.partition(),
                                    r.offset(), quote(r.value()));
                        }
                    } catch (OffsetOutOfRangeException e) {
                        for (Map.Entry<TopicPartition, Long> o : e.offsetOutOfRangePartitions().entrySet()) {
                            out.printf("{\"event\": \"out_of_range\", \"partition\": %d, \"offset\": %d}%n",
                                    o.getKey().partition(), o.getValue());
                        }
                        consumer.seekToEnd(e.offsetOutOfRangePartitions().keySet());
                    }
                    out.flush();
                }
            } catch (WakeupException e) {
                // SIGTERM: stop reading.
            } finally {
                out.flush();
                done.countDown();
            }
            if (exit != 0) {
                System.exit(exit);
            }
        }
    }

    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
