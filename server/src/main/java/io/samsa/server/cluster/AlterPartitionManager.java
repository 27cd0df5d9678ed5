package io.samsa.server.cluster;

import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.controller.AlterPartitionItem;
import io.samsa.controller.AlterPartitionResult;
import io.samsa.controller.Committed;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.replication.AlterPartitionChannel;
import io.samsa.replication.IsrEligibility;
import io.samsa.replication.PartitionState;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's {@link AlterPartitionChannel}: the ISR changes its partition leaders propose go to the active
 * controller as AlterPartition requests (KIP-497; v3 with broker epochs, KIP-903), as Kafka's broker sends them. At
 * most one request is in flight; the changes proposed meanwhile wait and go together in the next one, with this
 * broker's id and current broker epoch. A partition has at most one change waiting or in flight: another one for it
 * fails at once with {@code OPERATION_NOT_ATTEMPTED} (the leader proposes again once it has the answer).
 *
 * <p>A request the controller cannot take as a whole ({@code NOT_CONTROLLER}, a transport error or timeout, or
 * {@code STALE_BROKER_EPOCH} while the broker's registration is being renewed) is sent again after a backoff that
 * doubles up to {@code maxBackoffMs}; every other answer goes to the futures of its partitions: the committed
 * {@link PartitionState}, or a {@link SamsaException} with the partition's code.
 *
 * <p>Threads: {@link #alterPartition} may be called from any thread; the manager's state lives on its
 * {@link SerialExecutor}, where the futures complete.
 */
public final class AlterPartitionManager implements AlterPartitionChannel, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlterPartitionManager.class);
    /** Whole-request failures after which the request goes again. */
    private static final Set<ErrorCode> RETRIABLE = Set.of(ErrorCode.NOT_CONTROLLER, ErrorCode.NETWORK_EXCEPTION,
            ErrorCode.BROKER_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.STALE_BROKER_EPOCH,
            ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

    /** Where the requests go: the controller's AlterPartition ({@code Controller::alterPartition}). */
    @FunctionalInterface
    public interface Sender {
        CompletableFuture<Committed<List<AlterPartitionResult>>> alterPartition(int brokerId, long brokerEpoch,
                                                                              List<AlterPartitionItem> items);
    }

    /** The replicas of a partition as this broker's metadata has them (the answer does not carry them), or null. */
    @FunctionalInterface
    public interface Replicas {
        List<Integer> of(UUID topicId, int partition);

        /** The replicas in the image {@code images} supplies now. */
        static Replicas of(Supplier<MetadataImage> images) {
            return (topicId, partition) -> {
                TopicImage t = images.get().topic(topicId);
                PartitionRegistration p = t == null ? null : t.partition(partition);
                return p == null ? null : p.replicas();
            };
        }
    }

    /**
     * The leaders' view of which followers may join an ISR (KIP-841), from the image {@code images} supplies now: the
     * broker is registered, unfenced and not in controlled shutdown, in the broker epoch its fetches name (KIP-903;
     * -1, a fetch below v15, is not checked). The controller applies the same rule and refuses the others.
     */
    public static IsrEligibility isrEligibility(Supplier<MetadataImage> images) {
        return (brokerId, brokerEpoch) -> {
            BrokerRegistration b = images.get().broker(brokerId);
            return b != null && b.usable() && (brokerEpoch == -1 || b.brokerEpoch() == brokerEpoch);
        };
    }

    private record Key(UUID topicId, int partition) {
    }

    private record Waiting(IsrChange change, CompletableFuture<PartitionState> future) {
    }

    private final String prefix;
    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final Sender sender;
    private final Replicas replicas;
    private final SerialExecutor executor;
    private final long minBackoffMs;
    private final long maxBackoffMs;

    // Executor only.
    private final Map<Key, Waiting> unsent = new LinkedHashMap<>();
    private final Map<Key, Waiting> inFlight = new LinkedHashMap<>();
    private boolean sending;
    private long backoffMs;
    private Scheduler.Cancellable retry;
    private boolean closed;

    public AlterPartitionManager(int brokerId, LongSupplier brokerEpoch, Sender sender, Replicas replicas,
                                 SerialExecutor executor, long minBackoffMs, long maxBackoffMs) {
        this.prefix = "[alter-partition node=" + brokerId + "] ";
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.sender = sender;
        this.replicas = replicas;
        this.executor = executor;
        this.minBackoffMs = minBackoffMs;
        this.maxBackoffMs = maxBackoffMs;
        this.backoffMs = minBackoffMs;
    }

    @Override
    public CompletableFuture<PartitionState> alterPartition(IsrChange change) {
        CompletableFuture<PartitionState> future = new CompletableFuture<>();
        executor.execute(() -> enqueue(change, future));
        return future;
    }

    private void enqueue(IsrChange change, CompletableFuture<PartitionState> future) {
        if (closed) {
            future.completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "The broker is shutting down"));
            return;
        }
        Key key = new Key(change.topicId(), change.partition());
        if (unsent.containsKey(key) || inFlight.containsKey(key)) {
            future.completeExceptionally(new SamsaException(ErrorCode.OPERATION_NOT_ATTEMPTED, "An ISR change of "
                    + change.topic() + "-" + change.partition() + " is already pending"));
            return;
        }
        unsent.put(key, new Waiting(change, future));
        maybeSend();
    }

    private void maybeSend() {
        if (closed || sending || retry != null || unsent.isEmpty()) {
            return;
        }
        long epoch = brokerEpoch.getAsLong();
        if (epoch < 0) {
            // Not registered yet: the controller would refuse the request.
            scheduleRetry("the broker is not registered yet");
            return;
        }
        sending = true;
        inFlight.putAll(unsent);
        unsent.clear();
        List<AlterPartitionItem> items = new ArrayList<>(inFlight.size());
        for (Waiting w : inFlight.values()) {
            items.add(item(w.change()));
        }
        CompletableFuture<Committed<List<AlterPartitionResult>>> sent;
        try {
            sent = sender.alterPartition(brokerId, epoch, items);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((c, e) -> executor.execute(() -> answered(c, e)));
    }

    private static AlterPartitionItem item(IsrChange c) {
        List<AlterPartitionItem.IsrMember> isr = new ArrayList<>(c.newIsr().size());
        for (IsrMember m : c.newIsr()) {
            isr.add(new AlterPartitionItem.IsrMember(m.brokerId(), m.brokerEpoch()));
        }
        return new AlterPartitionItem(c.topicId(), c.topic(), c.partition(), c.leaderEpoch(), c.partitionEpoch(),
                isr, (byte) 0);
    }

    private void answered(Committed<List<AlterPartitionResult>> reply, Throwable error) {
        sending = false;
        List<Waiting> batch = new ArrayList<>(inFlight.values());
        inFlight.clear();
        if (closed) {
            failAll(batch);
            return;
        }
        if (error != null) {
            SamsaException se = unwrap(error);
            if (se != null && RETRIABLE.contains(se.errorCode())) {
                // Back to the front of the queue, in their order, ahead of what came meanwhile.
                Map<Key, Waiting> again = new LinkedHashMap<>();
                for (Waiting w : batch) {
                    again.put(new Key(w.change().topicId(), w.change().partition()), w);
                }
                again.putAll(unsent);
                unsent.clear();
                unsent.putAll(again);
                scheduleRetry(se.errorCode() + ": " + se.getMessage());
                return;
            }
            log.warn("{}AlterPartition of {} partition(s) failed", prefix, batch.size(), error);
            SamsaException failure = se != null ? se : new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "AlterPartition failed: " + error, error);
            for (Waiting w : batch) {
                w.future().completeExceptionally(failure);
            }
            maybeSend();
            return;
        }
        backoffMs = minBackoffMs;
        List<AlterPartitionResult> results = reply.value();
        for (int i = 0; i < batch.size(); i++) {
            Waiting w = batch.get(i);
            AlterPartitionResult r = i < results.size() ? results.get(i) : null;
            if (r == null) {
                w.future().completeExceptionally(new SamsaException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "The controller did not answer for " + w.change().topic() + "-" + w.change().partition()));
            } else if (r.error() != ErrorCode.NONE) {
                w.future().completeExceptionally(new SamsaException(r.error(), "The controller refused the ISR "
                        + w.change().brokerIds() + " of " + w.change().topic() + "-" + w.change().partition()
                        + ": " + r.error()));
            } else {
                List<Integer> known = replicas.of(w.change().topicId(), w.change().partition());
                w.future().complete(new PartitionState(r.leader(), r.leaderEpoch(), r.isr(),
                        known != null ? known : r.isr(), r.partitionEpoch()));
            }
        }
        maybeSend();
    }

    private void scheduleRetry(String why) {
        long delay = backoffMs;
        backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
        log.debug("{}Sending {} ISR change(s) again in {} ms: {}", prefix, unsent.size(), delay, why);
        retry = executor.schedule(() -> {
            retry = null;
            maybeSend();
        }, delay);
    }

    private static SamsaException unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof SamsaException se ? se : null;
    }

    private static void failAll(List<Waiting> waiting) {
        for (Waiting w : waiting) {
            w.future().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER,
                    "The broker is shutting down"));
        }
    }

    /** Fails what waits; a request in flight fails when it is answered. */
    @Override
    public void close() {
        executor.execute(() -> {
            closed = true;
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
            List<Waiting> waiting = new ArrayList<>(unsent.values());
            unsent.clear();
            failAll(waiting);
        });
    }
}
