import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The transactional workload of {@code scripts/faults --workload txn}: a consume-transform-produce loop with the
 * official Java clients, as Kafka Streams' exactly-once v2 runs one (KIP-447: the consumer's group metadata fences a
 * zombie). It reads topic IN in group {@code faults-copy} (read_committed), and for each poll opens a transaction,
 * writes every record to the same partition of topic OUT with the value {@code P:O:TXN:V} (the input partition,
 * offset, this attempt's name and the input value), and commits it with the input offsets
 * ({@code sendOffsetsToTransaction}), or, for ABORT_PERCENT of the polls, aborts it and seeks back to the committed
 * offsets, so the same records are copied again by a later transaction.
 *
 * <p>{@code TxnCopy BOOTSTRAP IN OUT TRANSACTIONAL_ID STOP_FILE [ABORT_PERCENT (10)] [SEED]}. Prints one JSON object
 * per line: {"event": "commit"|"abort", "txn": NAME, "records": N} once commitTransaction or abortTransaction
 * returned, and {"event": "error", "txn": NAME, "error": CLASS, "message": M} when a step failed: the outcome of that
 * transaction is then unknown, and the loop starts again with new clients (the next initTransactions completes or
 * aborts it). It exits (0) once STOP_FILE exists and no record came for 5 s.
 *
 * <p>Not part of the Maven build: scripts/faults runs it as a single source file with kafka-tools' jars on the class
 * path; scripts/lib/txn_check.py reads what it prints.
 */
public final class TxnCopy {
    private static final Duration IDLE_BEFORE_STOP = Duration.ofSeconds(5);

    private final String bootstrap;
    private final String in;
    private final String out;
    private final String transactionalId;
    private final Path stopFile;
    private final int abortPercent;
    private final Random random;
    private final PrintWriter log = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out,
            StandardCharsets.UTF_8)), true);
    private long attempts;

    private TxnCopy(String[] args) {
        bootstrap = args[0];
        in = args[1];
        out = args[2];
        transactionalId = args[3];
        stopFile = Path.of(args[4]);
        abortPercent = args.length > 5 ? Integer.parseInt(args[5]) : 10;
        random = args.length > 6 ? new Random(Long.parseLong(args[6])) : new Random();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: TxnCopy BOOTSTRAP IN OUT TRANSACTIONAL_ID STOP_FILE [ABORT_PERCENT] [SEED]");
            System.exit(2);
        }
        new TxnCopy(args).run();
    }

    private void run() throws InterruptedException {
        long lastRecords = System.nanoTime();
        while (true) {
            KafkaProducer<String, String> producer = null;
            KafkaConsumer<String, String> consumer = null;
            String txn = null;
            try {
                producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new StringSerializer());
                producer.initTransactions();
                consumer = new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), new StringDeserializer());
                consumer.subscribe(Set.of(in));
                while (true) {
                    if (Files.exists(stopFile) && System.nanoTime() - lastRecords > IDLE_BEFORE_STOP.toNanos()) {
                        return;
                    }
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        continue;
                    }
                    lastRecords = System.nanoTime();
                    txn = transactionalId + "-" + (++attempts);
                    producer.beginTransaction();
                    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                    for (ConsumerRecord<String, String> r : records) {
                        producer.send(new ProducerRecord<>(out, r.partition(), r.key(),
                                r.partition() + ":" + r.offset() + ":" + txn + ":" + r.value()));
                        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    if (random.nextInt(100) < abortPercent) {
                        producer.abortTransaction();
                        event("abort", txn, records.count());
                        rewind(consumer);
                    } else {
                        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                        producer.commitTransaction();
                        event("commit", txn, records.count());
                    }
                    txn = null;
                }
            } catch (RuntimeException e) {
                log.printf("{\"event\": \"error\", \"txn\": %s, \"error\": %s, \"message\": %s}%n", quote(txn),
                        quote(e.getClass().getSimpleName()), quote(String.valueOf(e.getMessage())));
                Thread.sleep(500);
            } finally {
                if (consumer != null) {
                    closeQuietly(consumer);
                }
                if (producer != null) {
                    closeQuietly(producer);
                }
            }
        }
    }

    /** Back to the committed offsets (the beginning where none is), so aborted records are read again. */
    private static void rewind(KafkaConsumer<String, String> consumer) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
            } else {
                consumer.seekToBeginning(Set.of(tp));
            }
        }
    }

    private void event(String name, String txn, int records) {
        log.printf("{\"event\": \"%s\", \"txn\": %s, \"records\": %d}%n", name, quote(txn), records);
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return p;
    }

    private Properties consumerConfig() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "faults-copy");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return p;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c instanceof KafkaProducer<?, ?> p) {
                p.close(Duration.ofSeconds(5));
            } else if (c instanceof KafkaConsumer<?, ?> k) {
                k.close(Duration.ofSeconds(5));
            } else {
                c.close();
            }
        } catch (Exception ignored) {
            // The clients are replaced; their close failing changes nothing.
        }
    }

    /** A JSON string of {@code s} (null as null), with quotes, backslashes and control characters blanked. */
    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replaceAll("[\"\\\\\\p{Cntrl}]", " ") + "\"";
    }
}
