package io.samsa.controller;

import io.samsa.common.ThreadExecutor;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.raft.LeaderAndEpoch;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.samsa.controller.ControllerTestSupport.ENDPOINTS;
import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The controller over a quorum log that gains and loses the leadership: what its operations answer. */
class ControllerLeadershipTest {
    private final ScriptedRaft raft = new ScriptedRaft();
    private final ThreadExecutor thread = new ThreadExecutor("test-controller");
    private QuorumController controller;

    @BeforeEach
    void start() {
        CompletableFuture<QuorumController> ready = QuorumController.start(
            ControllerTestSupport.config(null, Map.of()).build(), raft, thread);
        raft.lead(1, 1, 1);
        awaitAppended(2);
        raft.commitAll();
        controller = get(ready);
    }

    @AfterEach
    void stop() {
        controller.close();
        thread.close();
    }

    @Test
    void losingTheLeadershipFailsPendingAndNewOperationsWithNotController() {
        // The end before the call: the controller's thread may append before the test thread reads it again.
        long before = raft.endOffset();
        CompletableFuture<Committed<BrokerRegistration>> pending = controller.registerBroker(register(2));
        awaitAppended(before + 1);

        raft.changeLeader(new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 2));

        assertEquals(ErrorCode.NOT_CONTROLLER, errorOf(pending));
        assertEquals(ErrorCode.NOT_CONTROLLER, errorOf(controller.registerBroker(register(3))));
    }

    @Test
    void aBrokerEpochIsItsRegistrationsOffsetAfterANewEpochsLeaderChangeRecord() {
        raft.changeLeader(new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 2));
        // Epoch 3 opens with a LeaderChange record the controller never sees: its first batch lands one further on.
        raft.lead(1, 3, 1);
        long offset = raft.endOffset();
        CompletableFuture<Committed<BrokerRegistration>> pending = controller.registerBroker(register(2));
        awaitAppended(offset + 1);
        raft.commitAll();

        Committed<BrokerRegistration> registered = get(pending);
        assertEquals(offset, registered.value().brokerEpoch());
        assertEquals(offset, registered.offset());
        // The working state follows the log: the next registration is at its own offset too.
        CompletableFuture<Committed<BrokerRegistration>> next = controller.registerBroker(register(3));
        awaitAppended(offset + 2);
        raft.commitAll();
        assertEquals(offset + 1, get(next).value().brokerEpoch());
    }

    @Test
    void aRestartedBrokerRegistersAtOnceWithANewControllerThoughItsRegistrationIsComputedTwice() {
        long before = raft.endOffset();
        CompletableFuture<Committed<BrokerRegistration>> first = controller.registerBroker(register(2));
        awaitAppended(before + 1);
        raft.commitAll();
        long epoch = get(first).value().brokerEpoch();
        CompletableFuture<Committed<BrokerHeartbeatReply>> unfence = controller.brokerHeartbeat(
            new BrokerHeartbeatRequest(2, epoch, epoch, false, false));
        awaitAppended(before + 2);
        raft.commitAll();
        assertFalse(get(unfence).value().isFenced());

        // The controller moves on to epoch 3 (a LeaderChange record it never sees) and broker 2's process is
        // replaced: the new one registers at once (the new controller never heard from the old one), although its
        // registration is computed once as of the controller's state and again as of the offset it lands at.
        raft.changeLeader(new LeaderAndEpoch(LeaderAndEpoch.NO_LEADER, 2));
        raft.lead(1, 3, 1);
        long offset = raft.endOffset();
        CompletableFuture<Committed<BrokerRegistration>> restarted = controller.registerBroker(register(2));
        awaitAppended(offset + 1);
        raft.commitAll();
        assertEquals(offset, get(restarted).value().brokerEpoch());
    }

    private static BrokerRegistrationRequest register(int id) {
        return new BrokerRegistrationRequest(id, null, UUID.randomUUID(), ENDPOINTS, Map.of(), null);
    }

    /** Waits (on the controller's thread) until the log's end reaches {@code end}. */
    private void awaitAppended(long end) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (raft.endOffset() < end) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the log's end stayed at " + raft.endOffset() + ", below " + end);
            }
            CompletableFuture<Void> turn = new CompletableFuture<>();
            thread.execute(() -> turn.complete(null));
            get(turn);
        }
    }

    private static ErrorCode errorOf(CompletableFuture<?> f) {
        return assertThrows(SamsaException.class, () -> get(f)).errorCode();
    }
}
