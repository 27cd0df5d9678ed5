package io.samsa.server.metadata;

import io.samsa.common.Scheduler;
import io.samsa.common.SerialExecutor;
import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.Endpoint;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's side of KIP-631: registers with the active controller (through the {@link Controller} interface:
 * in-process, or forwarded to a remote controller), then heartbeats, one request at a time, reporting the offset of
 * the metadata this broker has published. The broker starts fenced; it says it is ready to be unfenced
 * ({@link #readyToUnfence}) once it can serve, and is unfenced by the controller once it has caught up with its own
 * registration. On shutdown it asks for a controlled shutdown ({@link #controlledShutdown}): the controller moves
 * leadership off it and then tells it to shut down.
 *
 * <p>Heartbeats go every {@code heartbeatIntervalMs} ({@code broker.heartbeat.interval.ms}), and every
 * {@code fastIntervalMs} while something is awaited (catch-up, unfencing, the end of a controlled shutdown). A failed
 * registration or heartbeat is retried after {@code retryBackoffMs}; a heartbeat refused with
 * {@code STALE_BROKER_EPOCH} (the registration is gone) registers again.
 *
 * <p>Threads: every state change runs on the given {@link SerialExecutor} ({@code samsa-lifecycle-<node>}); the
 * controller's answers are handed over to it. Public methods are thread-safe; the futures complete on that executor
 * (or the loader's, for {@link #unfenced}).
 */
public final class BrokerLifecycleManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycleManager.class);

    /**
     * What the broker registers with and how often it heartbeats.
     *
     * @param incarnationId a random id of this process, so that the controller tells a retry from another process
     */
    public record Settings(int nodeId, String clusterId, UUID incarnationId, List<Endpoint> listeners, String rack,
                           Map<String, BrokerRegistration.VersionRange> features, long heartbeatIntervalMs,
                           long fastIntervalMs, long retryBackoffMs) {
        public Settings {
            listeners = List.copyOf(listeners);
            features = Map.copyOf(features);
        }
    }

    private final Settings settings;
    private final String prefix;
    private final Controller controller;
    private final LongSupplier publishedOffset;
    private final LongFunction<CompletableFuture<Void>> awaitPublished;
    private final SerialExecutor executor;
    private final LongConsumer onRegistered;
    private final CompletableFuture<Long> registered = new CompletableFuture<>();
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final CompletableFuture<Void> unfenced = new CompletableFuture<>();
    private final CompletableFuture<Void> shutDown = new CompletableFuture<>();

    // The executor's only.
    private long brokerEpoch = -1;
    private boolean ready;
    private boolean wantShutDown;
    private boolean inFlight;
    private boolean closed;
    private Scheduler.Cancellable next;
    private volatile long epochSeen = -1;
    private volatile long previousBrokerEpoch = -1;

    /**
     * @param publishedOffset the offset of the last metadata record this broker has published
     * @param awaitPublished  completes once this broker has published the record at the given offset
     * @param onRegistered    told each new broker epoch (producer id blocks are asked for with it)
     */
    public BrokerLifecycleManager(Settings settings, Controller controller, LongSupplier publishedOffset,
                                  LongFunction<CompletableFuture<Void>> awaitPublished, SerialExecutor executor,
                                  LongConsumer onRegistered) {
        this.settings = settings;
        this.prefix = "[lifecycle node=" + settings.nodeId() + "] ";
        this.controller = controller;
        this.publishedOffset = publishedOffset;
        this.awaitPublished = awaitPublished;
        this.executor = executor;
        this.onRegistered = onRegistered;
    }

    /**
     * The epoch this broker had when it last shut down cleanly (KIP-966), sent with the registration; -1 (the
     * default) after an unclean shutdown. Before {@link #start()}.
     */
    public void previousBrokerEpoch(long epoch) {
        previousBrokerEpoch = epoch;
    }

    /** Registers, then heartbeats. The future completes with the broker epoch once registered (the first time). */
    public CompletableFuture<Long> start() {
        executor.execute(this::register);
        return registered;
    }

    /** Completes once a heartbeat reports that this broker has caught up with its registration. */
    public CompletableFuture<Void> caughtUp() {
        return caughtUp;
    }

    /** From now on the heartbeats ask to be unfenced: the broker can serve. */
    public void readyToUnfence() {
        executor.execute(() -> {
            ready = true;
            heartbeatSoon();
        });
    }

    /** Completes once the controller has unfenced this broker and this broker has published that. */
    public CompletableFuture<Void> unfenced() {
        return unfenced;
    }

    /** The current broker epoch, -1 before the registration. Any thread. */
    public long brokerEpoch() {
        return epochSeen;
    }

    /**
     * Asks for a controlled shutdown; completes once the controller says this broker may shut down (its leadership
     * has moved). Heartbeats stop then.
     */
    public CompletableFuture<Void> controlledShutdown() {
        executor.execute(() -> {
            if (!wantShutDown) {
                log.info("{}Asking the controller for a controlled shutdown", prefix);
                wantShutDown = true;
                heartbeatSoon();
            }
        });
        return shutDown;
    }

    // ---------------------------------------------------------------- the executor's

    private void register() {
        if (closed) {
            return;
        }
        inFlight = true;
        BrokerRegistrationRequest request = new BrokerRegistrationRequest(settings.nodeId(), settings.clusterId(),
            settings.incarnationId(), settings.listeners(), settings.features(), settings.rack(), previousBrokerEpoch);
        controller.registerBroker(request).whenComplete((c, e) -> executor.execute(() -> registered(c, e)));
    }

    private void registered(Committed<BrokerRegistration> c, Throwable e) {
        inFlight = false;
        if (closed) {
            return;
        }
        if (e != null) {
            log.warn("{}Registration failed, retrying in {} ms: {}", prefix, settings.retryBackoffMs(),
                describe(e));
            schedule(this::register, settings.retryBackoffMs());
            return;
        }
        brokerEpoch = c.value().brokerEpoch();
        epochSeen = brokerEpoch;
        log.info("{}Registered with broker epoch {}", prefix, brokerEpoch);
        onRegistered.accept(brokerEpoch);
        registered.complete(brokerEpoch);
        heartbeatSoon();
    }

    private void heartbeatSoon() {
        if (brokerEpoch < 0 || inFlight || closed) {
            return;
        }
        schedule(this::heartbeat, 0);
    }

    private void heartbeat() {
        if (brokerEpoch < 0 || inFlight || closed) {
            return;
        }
        inFlight = true;
        BrokerHeartbeatRequest request = new BrokerHeartbeatRequest(settings.nodeId(), brokerEpoch,
            publishedOffset.getAsLong(), !ready, wantShutDown);
        controller.brokerHeartbeat(request).whenComplete((c, e) -> executor.execute(() -> answered(c, e)));
    }

    private void answered(Committed<BrokerHeartbeatReply> c, Throwable e) {
        inFlight = false;
        if (closed) {
            return;
        }
        if (e != null) {
            SamsaException se = unwrap(e);
            if (se != null && se.errorCode() == ErrorCode.STALE_BROKER_EPOCH) {
                log.warn("{}The controller no longer knows broker epoch {}; registering again", prefix, brokerEpoch);
                brokerEpoch = -1;
                register();
            } else {
                log.warn("{}Heartbeat failed, retrying in {} ms: {}", prefix, settings.retryBackoffMs(),
                    describe(e));
                schedule(this::heartbeat, settings.retryBackoffMs());
            }
            return;
        }
        BrokerHeartbeatReply reply = c.value();
        if (reply.isCaughtUp() && caughtUp.complete(null)) {
            log.info("{}Caught up with the metadata log", prefix);
        }
        if (!reply.isFenced() && !unfenced.isDone()) {
            log.info("{}Unfenced by the controller", prefix);
            awaitPublished.apply(c.offset()).whenComplete((v, err) -> {
                if (err != null) {
                    unfenced.completeExceptionally(err);
                } else {
                    unfenced.complete(null);
                }
            });
        }
        if (reply.shouldShutDown()) {
            log.info("{}The controller completed this broker's controlled shutdown", prefix);
            closed = true;
            shutDown.complete(null);
            return;
        }
        boolean waiting = !reply.isCaughtUp() || (ready && reply.isFenced()) || wantShutDown;
        schedule(this::heartbeat, waiting ? settings.fastIntervalMs() : settings.heartbeatIntervalMs());
    }

    private void schedule(Runnable task, long delayMs) {
        if (next != null) {
            next.cancel();
        }
        next = executor.schedule(task, delayMs);
    }

    private static SamsaException unwrap(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof SamsaException se ? se : null;
    }

    private static String describe(Throwable e) {
        SamsaException se = unwrap(e);
        return se != null ? se.errorCode() + " (" + se.getMessage() + ")" : String.valueOf(e);
    }

    /** Stops registering and heartbeating; pending futures fail. Does not wait. */
    @Override
    public void close() {
        executor.execute(() -> {
            closed = true;
            if (next != null) {
                next.cancel();
            }
            SamsaException stopped = new SamsaException(ErrorCode.BROKER_NOT_AVAILABLE, "The broker is stopping");
            registered.completeExceptionally(stopped);
            caughtUp.completeExceptionally(stopped);
            unfenced.completeExceptionally(stopped);
            shutDown.completeExceptionally(stopped);
        });
    }
}
