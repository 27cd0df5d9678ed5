package io.samsa.testkit;

import io.samsa.common.SerialExecutor;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * A simulated network between numbered nodes, generic over the message type, on a {@link SimScheduler}: a message
 * sent from A to B is delivered to B's handler on B's executor after a seeded delay, unless the network drops it.
 *
 * <ul>
 *   <li>Delay: uniform in {@code [minDelayMs, maxDelayMs]}. With {@code reorder} off, messages on one link (A to B)
 *       arrive in the order they were sent (as on one TCP connection); with it on, each takes its own delay.</li>
 *   <li>Loss and duplication: each message is dropped with probability {@code dropRate}, and a delivered one is
 *       delivered twice with probability {@code duplicateRate}.</li>
 *   <li>Partitions: {@link #cut} a link (one direction), {@link #partition} two groups (both directions),
 *       {@link #heal}. A message is dropped if its link is cut when it is sent or when it would arrive.</li>
 *   <li>Crashes: {@link #crash} takes a node down; every message in flight to or from it is lost (its connections
 *       reset), and messages to it are dropped until it {@link #register}s again (a new incarnation).</li>
 * </ul>
 *
 * <p>Every choice comes from the scheduler's seeded random. Thread-safe (one monitor); handlers run on the
 * destination's executor.
 *
 * @param <M> the message type (requests and responses of a protocol, Raft messages, ...)
 */
public final class SimNetwork<M> {
    /** Receives a message sent by node {@code from}; runs on the receiving node's executor. */
    @FunctionalInterface
    public interface Handler<M> {
        void receive(int from, M message);
    }

    /** How the network misbehaves. */
    public record Config(long minDelayMs, long maxDelayMs, double dropRate, double duplicateRate, boolean reorder) {
        /** Delivers everything, in order, after 1 to 5 ms. */
        public static final Config RELIABLE = new Config(1, 5, 0, 0, false);

        public Config {
            if (minDelayMs < 0 || maxDelayMs < minDelayMs) {
                throw new IllegalArgumentException("Bad delays " + minDelayMs + ".." + maxDelayMs);
            }
        }
    }

    private record Node<M>(SerialExecutor executor, Handler<M> handler, int incarnation) {
    }

    private final SimScheduler scheduler;
    private final Random random;
    private final Config config;
    private final Map<Integer, Node<M>> nodes = new HashMap<>();
    private final Map<Integer, Integer> incarnations = new HashMap<>();
    private final Set<Long> cut = new HashSet<>();
    private final Map<Long, Long> lastArrival = new HashMap<>();
    private final List<IntConsumer> crashListeners = new CopyOnWriteArrayList<>();
    private long sent;
    private long delivered;
    private long dropped;
    private long duplicated;

    public SimNetwork(SimScheduler scheduler, Config config) {
        this.scheduler = scheduler;
        this.random = scheduler.random();
        this.config = config;
    }

    /** Brings node {@code id} up (again) with its executor and handler: a new incarnation. */
    public synchronized void register(int id, SerialExecutor executor, Handler<M> handler) {
        int inc = incarnations.merge(id, 1, Integer::sum);
        nodes.put(id, new Node<>(executor, handler, inc));
    }

    /** Takes node {@code id} down: messages in flight to or from it are lost, later ones to it dropped. */
    public void crash(int id) {
        synchronized (this) {
            nodes.remove(id);
            incarnations.merge(id, 1, Integer::sum);
            lastArrival.keySet().removeIf(link -> (int) (link >> 32) == id || (int) (long) link == id);
        }
        for (IntConsumer l : crashListeners) {
            l.accept(id);
        }
    }

    /**
     * Tells {@code listener} the id of every node that crashes, on the crashing thread: what a peer's connections
     * see when the kernel closes a dead process's sockets (a channel that models connections fails its requests).
     */
    public void onCrash(IntConsumer listener) {
        crashListeners.add(listener);
    }

    public synchronized boolean isUp(int id) {
        return nodes.containsKey(id);
    }

    /** Cuts the link from {@code from} to {@code to} (one direction). */
    public synchronized void cut(int from, int to) {
        cut.add(link(from, to));
    }

    /** Cuts every link between the two groups, both ways. */
    public synchronized void partition(Collection<Integer> a, Collection<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                cut(x, y);
                cut(y, x);
            }
        }
    }

    /** Restores every link. */
    public synchronized void heal() {
        cut.clear();
    }

    /** Restores the links between {@code a} and {@code b}, both ways. */
    public synchronized void heal(int a, int b) {
        cut.remove(link(a, b));
        cut.remove(link(b, a));
    }

    /**
     * Sends {@code message} from {@code from} to {@code to}; it arrives later (or never). Any thread; the sender
     * must be up.
     */
    public synchronized void send(int from, int to, M message) {
        sent++;
        Node<M> src = nodes.get(from);
        Node<M> dst = nodes.get(to);
        if (src == null || dst == null || cut.contains(link(from, to)) || random.nextDouble() < config.dropRate()) {
            dropped++;
            return;
        }
        deliverLater(from, src.incarnation(), to, dst, message);
        if (random.nextDouble() < config.duplicateRate()) {
            duplicated++;
            deliverLater(from, src.incarnation(), to, dst, message);
        }
    }

    private void deliverLater(int from, int fromIncarnation, int to, Node<M> dst, M message) {
        long now = scheduler.nowMillis();
        long delay = config.minDelayMs() + (config.maxDelayMs() == config.minDelayMs() ? 0
                : (long) (random.nextDouble() * (config.maxDelayMs() - config.minDelayMs() + 1)));
        long arrival = now + delay;
        if (!config.reorder()) {
            long link = link(from, to);
            arrival = Math.max(arrival, lastArrival.getOrDefault(link, 0L));
            lastArrival.put(link, arrival);
        }
        dst.executor().schedule(() -> arrive(from, fromIncarnation, to, dst, message), arrival - now);
    }

    private void arrive(int from, int fromIncarnation, int to, Node<M> dst, M message) {
        synchronized (this) {
            Node<M> src = nodes.get(from);
            if (nodes.get(to) != dst || src == null || src.incarnation() != fromIncarnation
                    || cut.contains(link(from, to))) {
                dropped++;
                return;
            }
            delivered++;
        }
        dst.handler().receive(from, message);
    }

    private static long link(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }

    public synchronized long sent() {
        return sent;
    }

    public synchronized long delivered() {
        return delivered;
    }

    public synchronized long dropped() {
        return dropped;
    }

    public synchronized long duplicated() {
        return duplicated;
    }
}
