import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The transactional workload of scripts/bench (issue 13): one official Java producer runs TRANSACTIONS transactions
 * of RECORDS records of SIZE bytes each, round-robin over the topic's partitions, committing each. Prints the
 * throughput over the whole run (records and MiB per second, as ProducerPerformance counts MB) and the commit latency
 * (the time commitTransaction takes, which includes sending what is still buffered) at p50, p99 and max.
 *
 * <p>Not part of the Maven build: scripts/bench runs it as a single source file with kafka-tools' jars on the class
 * path ({@code java -cp 'libs/*' TxnProducerPerf.java BOOTSTRAP TOPIC TRANSACTIONS RECORDS SIZE [WARM-UP]}).
 */
public final class TxnProducerPerf {
    private TxnProducerPerf() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: TxnProducerPerf BOOTSTRAP TOPIC TRANSACTIONS RECORDS SIZE [WARM-UP]");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        int transactions = Integer.parseInt(args[2]);
        int records = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        int warmUp = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-txn-" + ThreadLocalRandom.current().nextInt(1 << 30));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        byte[] value = new byte[size];
        Arrays.fill(value, (byte) 'x');
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            int partitions = producer.partitionsFor(topic).size();
            // Warm-up transactions (JIT, connections, the coordinator's first writes): not measured.
            for (int t = 0; t < warmUp; t++) {
                run(producer, topic, partitions, records, value, t);
            }
            long[] commitNanos = new long[transactions];
            long start = System.nanoTime();
            for (int t = 0; t < transactions; t++) {
                commitNanos[t] = run(producer, topic, partitions, records, value, t);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(commitNanos);
            long total = (long) transactions * records;
            System.out.printf("txn_records_s=%.1f%n", total / seconds);
            System.out.printf("txn_mb_s=%.2f%n", total * (double) size / (1024 * 1024) / seconds);
            System.out.printf("txn_s=%.1f%n", transactions / seconds);
            System.out.printf("commit_p50_ms=%.2f%n", percentile(commitNanos, 0.50) / 1e6);
            System.out.printf("commit_p99_ms=%.2f%n", percentile(commitNanos, 0.99) / 1e6);
            System.out.printf("commit_max_ms=%.2f%n", commitNanos[commitNanos.length - 1] / 1e6);
        }
    }

    /** One transaction; returns how long its commit took (ns). */
    private static long run(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, int records,
                            byte[] value, int t) {
        producer.beginTransaction();
        for (int i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>(topic, (t * records + i) % partitions, null, value));
        }
        long c0 = System.nanoTime();
        producer.commitTransaction();
        return System.nanoTime() - c0;
    }

    private static long percentile(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
