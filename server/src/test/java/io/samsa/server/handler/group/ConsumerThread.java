package io.samsa.server.handler.group;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * An official Java consumer polling on its own thread (KafkaConsumer is single-threaded) and publishing what
 * the test asserts: its assignment, its generation (classic) or member epoch (consumer protocol), how many
 * rebalance callbacks it saw, and the values it read. Commits synchronously after every non-empty poll.
 * Closed with the client's default: a dynamic member leaves the group, a static member stays.
 */
final class ConsumerThread implements AutoCloseable {
    final String name;
    final ConcurrentLinkedQueue<String> values = new ConcurrentLinkedQueue<>();
    final AtomicInteger assignedCallbacks = new AtomicInteger();
    final AtomicInteger revokedCallbacks = new AtomicInteger();
    final AtomicLong polls = new AtomicLong();
    volatile Set<TopicPartition> assignment = Set.of();
    volatile int generation = -1;
    volatile Throwable failure;
    private final Thread thread;
    private volatile boolean running = true;

    ConsumerThread(String name, Properties props, String topic) {
        this.name = name;
        this.thread = new Thread(() -> run(props, topic), "consumer-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(Properties props, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    if (!parts.isEmpty()) {
                        revokedCallbacks.incrementAndGet();
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    if (!parts.isEmpty()) {
                        assignedCallbacks.incrementAndGet();
                    }
                }
            });
            while (running) {
                boolean any = false;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(new String(r.value()));
                    any = true;
                }
                if (any) {
                    try {
                        consumer.commitSync(Duration.ofSeconds(5));
                    } catch (RuntimeException e) {
                        // Fenced by a rebalance: the new owner reads these records again.
                    }
                }
                assignment = Set.copyOf(consumer.assignment());
                generation = consumer.groupMetadata().generationId();
                polls.incrementAndGet();
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Waits until at least {@code n} more polls completed (a bound on how long the client ran). */
    void awaitPolls(long n) throws InterruptedException {
        long target = polls.get() + n;
        await(name + " polled " + n + " times", () -> polls.get() >= target || failure != null);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(20_000);
        if (thread.isAlive()) {
            throw new AssertionError(name + " did not close within 20 s");
        }
    }

    static void await(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
