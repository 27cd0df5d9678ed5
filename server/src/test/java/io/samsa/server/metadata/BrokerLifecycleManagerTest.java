package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.ApiResult;
import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.Committed;
import io.samsa.controller.Controller;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.controller.DeleteTopicResult;
import io.samsa.controller.ElectionType;
import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.ProducerIdBlock;
import io.samsa.controller.Reassignment;
import io.samsa.controller.TopicPartition;
import io.samsa.controller.TopicRef;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The broker's side of KIP-631 on a simulated clock and executor: registration (retried), heartbeats (every
 * interval, faster while something is awaited, one at a time), unfencing once published, re-registration after
 * STALE_BROKER_EPOCH, and controlled shutdown.
 */
class BrokerLifecycleManagerTest {
    private static final long INTERVAL_MS = 2000;
    private static final long FAST_MS = 10;
    private static final long RETRY_MS = 100;

    private final SimScheduler sim = new SimScheduler(new Random(7), 1_000_000);
    private final SimExecutor executor = sim.executor("lifecycle");
    private final ScriptedController controller = new ScriptedController();
    private final List<Long> epochs = new ArrayList<>();
    private final List<Long> awaited = new ArrayList<>();
    private final CompletableFuture<Void> published = new CompletableFuture<>();
    private long publishedOffset = 40;
    private final BrokerLifecycleManager lifecycle = new BrokerLifecycleManager(new BrokerLifecycleManager.Settings(
            3, "cluster", UUID.randomUUID(), List.of(new Endpoint("PLAINTEXT", "h", 9092, "PLAINTEXT")), "r1",
            Map.of(), INTERVAL_MS, FAST_MS, RETRY_MS), controller, () -> publishedOffset, offset -> {
                awaited.add(offset);
                return published;
            }, executor, epochs::add);

    /** A controller whose answers the test gives, one call at a time. */
    private static final class ScriptedController implements Controller {
        final ArrayDeque<CompletableFuture<Committed<BrokerRegistration>>> registrations = new ArrayDeque<>();
        final ArrayDeque<CompletableFuture<Committed<BrokerHeartbeatReply>>> heartbeats = new ArrayDeque<>();
        final List<BrokerHeartbeatRequest> heartbeatRequests = new ArrayList<>();
        final List<BrokerRegistrationRequest> registrationRequests = new ArrayList<>();

        @Override
        public CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest request) {
            registrationRequests.add(request);
            CompletableFuture<Committed<BrokerRegistration>> f = new CompletableFuture<>();
            registrations.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest request) {
            heartbeatRequests.add(request);
            CompletableFuture<Committed<BrokerHeartbeatReply>> f = new CompletableFuture<>();
            heartbeats.add(f);
            return f;
        }

        void registered(long epoch) {
            registrations.poll().complete(new Committed<>(new BrokerRegistration(3, epoch, new UUID(0, 1), "r1",
                    List.of(), true), epoch));
        }

        void answer(boolean caughtUp, boolean fenced, boolean shutDown, long offset) {
            heartbeats.poll().complete(new Committed<>(new BrokerHeartbeatReply(caughtUp, fenced, shutDown), offset));
        }

        BrokerHeartbeatRequest last() {
            return heartbeatRequests.get(heartbeatRequests.size() - 1);
        }

        @Override
        public CompletableFuture<Committed<Void>> unregisterBroker(int brokerId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<CreateTopicResult>>> createTopics(List<CreateTopicRequest> topics,
                                                                                  boolean validateOnly) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<DeleteTopicResult>>> deleteTopics(List<TopicRef> topics) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<ApiResult<String>>>> createPartitions(
                List<CreatePartitionsRequest> topics, boolean validateOnly) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> alterConfigs(
                List<AlterConfigsRequest> resources, boolean validateOnly) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<ApiResult<ConfigResource>>>> incrementalAlterConfigs(
                List<AlterConfigsRequest> resources, boolean validateOnly) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> electLeaders(ElectionType type,
                List<TopicPartition> partitions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<ApiResult<TopicPartition>>>> alterPartitionReassignments(
                List<Reassignment> reassignments, boolean allowReplicationFactorChange) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<List<OngoingReassignment>>> listPartitionReassignments(
                List<TopicPartition> partitions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    private void settle() {
        sim.runFor(1);
    }

    @Test
    void registersHeartbeatsAndIsUnfencedOnceReadyCaughtUpAndPublished() {
        CompletableFuture<Long> registered = lifecycle.start();
        settle();
        assertEquals(1, controller.registrationRequests.size());
        BrokerRegistrationRequest r = controller.registrationRequests.get(0);
        assertEquals(3, r.brokerId());
        assertEquals("cluster", r.clusterId());
        assertEquals("r1", r.rack());
        controller.registered(42);
        settle();
        assertEquals(42L, registered.join());
        assertEquals(List.of(42L), epochs);
        assertEquals(42, lifecycle.brokerEpoch());
        // Not ready yet: the heartbeat asks to stay fenced, and reports the published offset.
        assertEquals(1, controller.heartbeatRequests.size());
        assertEquals(new BrokerHeartbeatRequest(3, 42, 40, true, false), controller.last());
        publishedOffset = 42;
        controller.answer(true, true, false, 42);
        settle();
        assertTrue(lifecycle.caughtUp().isDone());
        lifecycle.readyToUnfence();
        settle();
        assertEquals(2, controller.heartbeatRequests.size(), "ready: a heartbeat at once");
        assertEquals(new BrokerHeartbeatRequest(3, 42, 42, false, false), controller.last());
        controller.answer(true, false, false, 43);
        settle();
        assertEquals(List.of(43L), awaited, "unfenced once this broker has published the unfencing");
        assertFalse(lifecycle.unfenced().isDone());
        published.complete(null);
        assertTrue(lifecycle.unfenced().isDone());
        // Steady: the next heartbeat after the interval, not before; one at a time.
        sim.runFor(INTERVAL_MS - 10);
        assertEquals(2, controller.heartbeatRequests.size());
        sim.runFor(10);
        assertEquals(3, controller.heartbeatRequests.size());
        sim.runFor(10 * INTERVAL_MS);
        assertEquals(3, controller.heartbeatRequests.size(), "no second heartbeat while one is unanswered");
    }

    @Test
    void aFailedRegistrationIsRetriedAfterTheBackoff() {
        lifecycle.start();
        settle();
        controller.registrations.poll().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "no"));
        sim.runFor(RETRY_MS - 1);
        assertEquals(1, controller.registrationRequests.size());
        sim.runFor(1);
        assertEquals(2, controller.registrationRequests.size());
        assertEquals(controller.registrationRequests.get(0).incarnationId(),
                controller.registrationRequests.get(1).incarnationId(), "the same process retries");
    }

    @Test
    void aStaleEpochRegistersAgainAndAFailedHeartbeatIsRetried() {
        lifecycle.start();
        settle();
        controller.registered(5);
        settle();
        controller.heartbeats.poll().completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "slow"));
        sim.runFor(RETRY_MS);
        assertEquals(2, controller.heartbeatRequests.size());
        controller.heartbeats.poll().completeExceptionally(new SamsaException(ErrorCode.STALE_BROKER_EPOCH, "gone"));
        settle();
        assertEquals(2, controller.registrationRequests.size());
        controller.registered(9);
        settle();
        assertEquals(List.of(5L, 9L), epochs);
        assertEquals(9, controller.last().brokerEpoch());
    }

    @Test
    void aControlledShutdownHeartbeatsUntilTheControllerSaysStop() {
        lifecycle.start();
        settle();
        controller.registered(1);
        lifecycle.readyToUnfence();
        settle();
        controller.answer(true, false, false, 2);
        published.complete(null);
        settle();
        CompletableFuture<Void> done = lifecycle.controlledShutdown();
        sim.runFor(INTERVAL_MS);
        assertTrue(controller.last().wantShutDown());
        controller.answer(true, false, false, 3);
        sim.runFor(FAST_MS);
        int asked = controller.heartbeatRequests.size();
        assertTrue(controller.last().wantShutDown(), "asks again soon, while its leadership moves");
        assertFalse(done.isDone());
        controller.answer(true, true, true, 4);
        settle();
        assertTrue(done.isDone());
        sim.runFor(10 * INTERVAL_MS);
        assertEquals(asked, controller.heartbeatRequests.size(), "no heartbeat after the shutdown");
        assertNull(controller.heartbeats.peek());
    }
}
