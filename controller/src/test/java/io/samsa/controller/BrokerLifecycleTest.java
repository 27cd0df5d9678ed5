package io.samsa.controller;

import io.samsa.common.ManualClock;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.samsa.controller.ControllerTestSupport.ENDPOINTS;
import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Brokers in the cluster (KIP-631) on the single-voter controller: registration (fenced, epoch = offset), heartbeats
 * that unfence, session expiry on a manual clock, controlled shutdown, re-registration and unregistration, and the
 * leadership moves each of them makes.
 */
class BrokerLifecycleTest {
    private static final long SESSION_MS = 9000;

    @TempDir
    Path dir;

    private TestController controller;
    private ManualClock clock;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private void start(Map<String, String> props) throws IOException {
        ControllerConfig config = ControllerTestSupport.config(dir, props).build();
        clock = (ManualClock) config.clock();
        controller = ControllerTestSupport.start(dir, config);
    }

    private BrokerHeartbeatReply heartbeat(int id, boolean wantFence, boolean wantShutDown) {
        BrokerRegistration b = controller.image().broker(id);
        return get(controller.heartbeat(new BrokerHeartbeatRequest(id, b.brokerEpoch(), controller.image().offset(),
            wantFence, wantShutDown)));
    }

    private static SamsaException fails(Runnable r) {
        return assertThrows(SamsaException.class, r::run);
    }

    private PartitionRegistration partition(String topic, int index) {
        return controller.image().topic(topic).partition(index);
    }

    @Test
    void aBrokerRegistersFencedAndIsUnfencedOnceCaughtUpAndReady() throws IOException {
        start(Map.of());
        BrokerRegistration reg = get(controller.registerBroker(1, ENDPOINTS, "r1"));
        assertTrue(reg.fenced());
        assertEquals(controller.image().offset(), reg.brokerEpoch());
        assertEquals(reg, controller.image().broker(1));
        // Behind its own registration: not caught up, stays fenced.
        BrokerHeartbeatReply behind = get(controller.heartbeat(new BrokerHeartbeatRequest(1, reg.brokerEpoch(),
            reg.brokerEpoch() - 1, false, false)));
        assertEquals(new BrokerHeartbeatReply(false, true, false), behind);
        // Caught up but not ready (want fence): stays fenced, writes nothing.
        long offset = controller.image().offset();
        assertEquals(new BrokerHeartbeatReply(true, true, false), heartbeat(1, true, false));
        assertEquals(offset, controller.image().offset());
        // Ready: unfenced by one record.
        assertEquals(new BrokerHeartbeatReply(true, false, false), heartbeat(1, false, false));
        assertEquals(offset + 1, controller.image().offset());
        assertFalse(controller.image().broker(1).fenced());
        // Steady state: heartbeats write nothing.
        assertEquals(new BrokerHeartbeatReply(true, false, false), heartbeat(1, false, false));
        assertEquals(offset + 1, controller.image().offset());
    }

    @Test
    void registrationRulesAndStaleEpochs() throws IOException {
        start(Map.of());
        String clusterId = controller.image().clusterId();
        UUID first = UUID.randomUUID();
        BrokerRegistration reg = get(controller.register(new BrokerRegistrationRequest(1, clusterId,
            first, ENDPOINTS, Map.of(), null)));
        heartbeat(1, false, false);
        // Another process with the same id while this one heartbeats: refused.
        SamsaException dup = fails(() -> get(controller.register(new BrokerRegistrationRequest(1,
            clusterId, UUID.randomUUID(), ENDPOINTS, Map.of(), null))));
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, dup.errorCode());
        // The same process again (a retry): a new registration, a new epoch.
        BrokerRegistration again = get(controller.register(new BrokerRegistrationRequest(1,
            clusterId, first, ENDPOINTS, Map.of(), null)));
        assertTrue(again.brokerEpoch() > reg.brokerEpoch());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, fails(() -> get(controller.heartbeat(new BrokerHeartbeatRequest(
            1, reg.brokerEpoch(), controller.image().offset(), false, false)))).errorCode());
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, fails(() -> get(controller.heartbeat(new BrokerHeartbeatRequest(
            7, 1, controller.image().offset(), false, false)))).errorCode());
        heartbeat(1, false, false);
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, fails(() -> get(controller.register(
            new BrokerRegistrationRequest(1, clusterId, UUID.randomUUID(), ENDPOINTS, Map.of(), null))))
            .errorCode());
        // Once the old session has expired, a new process may take the id.
        clock.advance(SESSION_MS + 1);
        BrokerRegistration third = get(controller.register(new BrokerRegistrationRequest(1,
            clusterId, UUID.randomUUID(), ENDPOINTS, Map.of(), null)));
        assertTrue(third.brokerEpoch() > again.brokerEpoch());
        // Another cluster's broker, an unsupported feature level.
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID, fails(() -> get(controller.register(
            new BrokerRegistrationRequest(2, "other-cluster", UUID.randomUUID(), ENDPOINTS, Map.of(), null))))
            .errorCode());
    }

    @Test
    void aBrokerMustSupportTheFinalizedFeatureLevels() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of())
            .bootstrapFeatures(Map.of("metadata.version", (short) 25)).build());
        SamsaException e = fails(() -> get(controller.register(new BrokerRegistrationRequest(1,
            null, UUID.randomUUID(), ENDPOINTS, Map.of("metadata.version",
            new BrokerRegistration.VersionRange((short) 1, (short) 20)), null))));
        assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.errorCode());
        assertTrue(e.getMessage().contains("metadata.version"), e.getMessage());
        BrokerRegistration ok = get(controller.register(new BrokerRegistrationRequest(1, null,
            UUID.randomUUID(), ENDPOINTS, Map.of("metadata.version",
            new BrokerRegistration.VersionRange((short) 1, (short) 30)), null)));
        assertEquals(new BrokerRegistration.VersionRange((short) 1, (short) 30),
            controller.image().broker(1).features().get("metadata.version"));
        assertEquals(ok, controller.image().broker(1));
    }

    private void threeBrokersAndATopic() throws IOException {
        start(Map.of());
        for (int id = 1; id <= 3; id++) {
            controller.registerUnfenced(id, null);
        }
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(CreateTopicRequest.of("t", 6, 3)), false))
            .get(0).error());
    }

    @Test
    void anExpiredSessionFencesTheBrokerAndMovesItsLeadership() throws IOException {
        threeBrokersAndATopic();
        MetadataImage before = controller.image();
        assertEquals(2, before.topic("t").partitions().values().stream().filter(p -> p.leader() == 3).count());
        clock.advance(SESSION_MS / 2);
        heartbeat(1, false, false);
        heartbeat(2, false, false);
        assertEquals(List.of(), controller.checkSessions(), "no session has expired yet");
        clock.advance(SESSION_MS / 2 + 1);
        heartbeat(1, false, false);
        heartbeat(2, false, false);
        assertEquals(List.of(3), controller.checkSessions());
        MetadataImage after = controller.image();
        assertTrue(after.broker(3).fenced());
        for (PartitionRegistration p : after.topic("t").partitions().values()) {
            PartitionRegistration old = before.topic("t").partition(p.partition());
            assertFalse(p.isr().contains(3), p.toString());
            assertEquals(List.of(1, 2, 3).stream().filter(b -> b != 3).sorted().toList(),
                p.isr().stream().sorted().toList());
            assertEquals(old.replicas(), p.replicas());
            assertEquals(old.partitionEpoch() + 1, p.partitionEpoch());
            if (old.leader() == 3) {
                assertTrue(p.leader() == 1 || p.leader() == 2, p.toString());
                assertEquals(old.leaderEpoch() + 1, p.leaderEpoch());
            } else {
                assertEquals(old.leader(), p.leader());
                assertEquals(old.leaderEpoch(), p.leaderEpoch());
            }
        }
        // A fenced broker gets no new replicas.
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, get(controller.createTopics(
            List.of(CreateTopicRequest.of("u", 1, 3)), false)).get(0).error());
        assertEquals(ErrorCode.NONE, get(controller.createTopics(List.of(CreateTopicRequest.of("v", 4, 2)), false))
            .get(0).error());
        assertTrue(controller.image().topic("v").partitions().values().stream()
            .noneMatch(p -> p.replicas().contains(3)));
        // Its heartbeats bring it back, unfenced, but not into the ISRs (followers rejoin by catching up).
        assertEquals(new BrokerHeartbeatReply(true, false, false), heartbeat(3, false, false));
        assertFalse(controller.image().broker(3).fenced());
        assertTrue(controller.image().topic("t").partitions().values().stream()
            .noneMatch(p -> p.isr().contains(3)));
    }

    @Test
    void aClosedHeartbeatConnectionFencesAtOnceUnlessTheBrokerIsShuttingDownOrGone() throws IOException {
        threeBrokersAndATopic();
        MetadataImage before = controller.image();
        long epoch3 = before.broker(3).brokerEpoch();
        assertFalse(get(controller.connectionLost(3, epoch3 - 1)), "a registration since: not that process");
        assertFalse(controller.image().broker(3).fenced());

        assertTrue(get(controller.connectionLost(3, epoch3)), "no session timeout to wait for");
        MetadataImage after = controller.image();
        assertTrue(after.broker(3).fenced());
        for (PartitionRegistration p : after.topic("t").partitions().values()) {
            assertFalse(p.isr().contains(3), p.toString());
            assertTrue(p.leader() == 1 || p.leader() == 2, p.toString());
        }
        assertFalse(get(controller.connectionLost(3, epoch3)), "already fenced: nothing more to write");
        assertEquals(after.offset(), controller.image().offset());
        // A live broker that lost only its connection heartbeats again and is unfenced.
        assertEquals(new BrokerHeartbeatReply(true, false, false), heartbeat(3, false, false));
        assertFalse(controller.image().broker(3).fenced());

        // Controlled shutdown in progress: its connection closing is expected.
        heartbeat(1, false, true);
        assertTrue(controller.image().broker(1).inControlledShutdown());
        long offset = controller.image().offset();
        assertFalse(get(controller.connectionLost(1, controller.image().broker(1).brokerEpoch())));
        assertEquals(offset, controller.image().offset());
    }

    /**
     * Every path that fences (a lost connection, session expiry, a heartbeat asking to be fenced or to shut down, a
     * completed controlled shutdown) fences a broker epoch once: a second one, racing the first, writes nothing and
     * moves no leadership again, though its answer still says fenced (and shut down when asked).
     */
    @Test
    void pathsRacingToFenceOneBrokerEpochWriteOneFence() throws IOException {
        threeBrokersAndATopic();
        long epoch3 = controller.image().broker(3).brokerEpoch();
        assertTrue(get(controller.connectionLost(3, epoch3)));
        long fencedAt = controller.image().offset();
        clock.advance(SESSION_MS + 1);
        heartbeat(1, false, false);
        heartbeat(2, false, false);
        assertEquals(List.of(), controller.checkSessions(), "the session timer finds it fenced");
        assertFalse(get(controller.connectionLost(3, epoch3)));
        assertEquals(new BrokerHeartbeatReply(true, true, false), heartbeat(3, true, false));
        assertEquals(new BrokerHeartbeatReply(true, true, true), heartbeat(3, false, true));
        assertEquals(fencedAt, controller.image().offset(), "no second fence of epoch " + epoch3);

        // Broker 3 back; broker 1 in controlled shutdown; its session expires before its heartbeat completes it.
        heartbeat(3, false, false);
        assertFalse(controller.image().broker(3).fenced());
        assertFalse(heartbeat(1, false, true).shouldShutDown());
        assertTrue(controller.image().broker(1).inControlledShutdown());
        clock.advance(SESSION_MS + 1);
        heartbeat(2, false, false);
        heartbeat(3, false, false);
        assertEquals(List.of(1), controller.checkSessions());
        long expiredAt = controller.image().offset();
        assertTrue(controller.image().broker(1).fenced());
        assertEquals(new BrokerHeartbeatReply(true, true, true), heartbeat(1, false, true));
        assertEquals(expiredAt, controller.image().offset(), "the shutdown completes without a second fence");
    }

    /**
     * KIP-631: a broker stays in controlled shutdown until it registers again. Fenced meanwhile (its session expired),
     * a heartbeat that no longer asks to shut down (one sent before it asked, arriving late) neither unfences it nor
     * takes it out of controlled shutdown: it is told to shut down, as Kafka's controller does, and writes nothing.
     */
    @Test
    void aFencedBrokerInControlledShutdownIsUnfencedOnlyByRegisteringAgain() throws IOException {
        threeBrokersAndATopic();
        assertFalse(heartbeat(1, false, true).shouldShutDown());
        clock.advance(SESSION_MS + 1);
        heartbeat(2, false, false);
        heartbeat(3, false, false);
        assertEquals(List.of(1), controller.checkSessions());
        long offset = controller.image().offset();

        assertEquals(new BrokerHeartbeatReply(true, true, true), heartbeat(1, false, false));
        BrokerRegistration b = controller.image().broker(1);
        assertTrue(b.fenced());
        assertTrue(b.inControlledShutdown());
        assertEquals(offset, controller.image().offset(), "no unfence record");
        assertTrue(controller.image().topic("t").partitions().values().stream()
            .noneMatch(p -> p.leader() == 1 || p.isr().contains(1)));

        BrokerRegistration again = get(controller.registerBroker(1, ENDPOINTS, null));
        assertFalse(again.inControlledShutdown());
        assertEquals(new BrokerHeartbeatReply(true, false, false), heartbeat(1, false, false));
        assertTrue(controller.image().broker(1).usable());
    }

    @Test
    void theLastInSyncReplicaStaysAndLeadsAgainWhenItReturns() throws IOException {
        start(Map.of());
        controller.registerUnfenced(1, null);
        controller.registerUnfenced(2, null);
        get(controller.createTopics(List.of(new CreateTopicRequest("solo", -1, -1, Map.of(0, List.of(2)),
            Map.of())), false));
        assertEquals(2, partition("solo", 0).leader());
        clock.advance(SESSION_MS + 1);
        heartbeat(1, false, false);
        assertEquals(List.of(2), controller.checkSessions());
        PartitionRegistration offline = partition("solo", 0);
        assertEquals(PartitionRegistration.NO_LEADER, offline.leader());
        assertEquals(List.of(2), offline.isr());
        assertEquals(1, offline.leaderEpoch());
        heartbeat(2, false, false);
        PartitionRegistration back = partition("solo", 0);
        assertEquals(2, back.leader());
        assertEquals(2, back.leaderEpoch());
    }

    @Test
    void aNewControllerGivesEveryBrokerAFreshSession() throws IOException {
        threeBrokersAndATopic();
        clock.advance(SESSION_MS + 1);
        controller.close();
        ControllerConfig config = ControllerTestSupport.config(dir, Map.of()).build();
        clock = (ManualClock) config.clock();
        controller = ControllerTestSupport.start(dir, config);
        assertEquals(List.of(), controller.checkSessions());
        clock.advance(SESSION_MS / 2);
        heartbeat(1, false, false);
        heartbeat(2, false, false);
        clock.advance(SESSION_MS / 2 + 1);
        assertEquals(List.of(3), controller.checkSessions());
    }

    @Test
    void controlledShutdownMovesLeadershipBeforeTheBrokerMayExit() throws IOException {
        threeBrokersAndATopic();
        BrokerHeartbeatReply first = heartbeat(1, false, true);
        assertEquals(new BrokerHeartbeatReply(true, false, false), first, "not yet: its leadership moves first");
        MetadataImage image = controller.image();
        assertTrue(image.broker(1).inControlledShutdown());
        assertFalse(image.broker(1).fenced());
        for (PartitionRegistration p : image.topic("t").partitions().values()) {
            assertTrue(p.leader() == 2 || p.leader() == 3, p.toString());
            assertFalse(p.isr().contains(1), p.toString());
        }
        // A broker shutting down gets no new replicas.
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, get(controller.createTopics(
            List.of(CreateTopicRequest.of("u", 1, 3)), false)).get(0).error());
        // Until every broker that may lead has seen the move, it must wait.
        assertFalse(heartbeat(1, false, true).shouldShutDown());
        BrokerRegistration b2 = image.broker(2);
        get(controller.heartbeat(new BrokerHeartbeatRequest(2, b2.brokerEpoch(), image.offset() - 1, false, false)));
        heartbeat(3, false, false);
        assertFalse(heartbeat(1, false, true).shouldShutDown(), "broker 2 has not seen the move yet");
        heartbeat(2, false, false);
        BrokerHeartbeatReply done = heartbeat(1, false, true);
        assertEquals(new BrokerHeartbeatReply(true, true, true), done);
        assertTrue(controller.image().broker(1).fenced());
    }

    @Test
    void aBrokerThatLeadsNothingShutsDownAtOnceAndAFencedOneToo() throws IOException {
        start(Map.of());
        controller.registerUnfenced(1, null);
        assertEquals(new BrokerHeartbeatReply(true, true, true), heartbeat(1, false, true));
        assertTrue(controller.image().broker(1).fenced());
        get(controller.registerBroker(2, ENDPOINTS, null));
        assertEquals(new BrokerHeartbeatReply(true, true, true), heartbeat(2, false, true));
    }

    @Test
    void aSingleBrokerShutsDownLeavingItsPartitionsLeaderlessAndLeadsThemAgainAfterRestart() throws IOException {
        start(Map.of());
        controller.registerUnfenced(1, null);
        get(controller.createTopics(List.of(CreateTopicRequest.of("t", 2, 1)), false));
        assertFalse(heartbeat(1, false, true).shouldShutDown());
        assertEquals(PartitionRegistration.NO_LEADER, partition("t", 0).leader());
        assertEquals(List.of(1), partition("t", 0).isr());
        assertTrue(heartbeat(1, false, true).shouldShutDown());
        controller.registerUnfenced(1, null);
        assertEquals(1, partition("t", 0).leader());
        assertEquals(2, partition("t", 0).leaderEpoch());
    }

    @Test
    void aRestartedBrokerRegistersAgainAndLosesItsLeadershipUntilUnfenced() throws IOException {
        start(Map.of());
        controller.registerUnfenced(1, null);
        controller.registerUnfenced(2, null);
        get(controller.createTopics(List.of(new CreateTopicRequest("t", -1, -1, Map.of(0, List.of(1, 2)),
            Map.of())), false));
        assertEquals(1, partition("t", 0).leader());
        clock.advance(SESSION_MS + 1);
        BrokerRegistration again = get(controller.registerBroker(1, ENDPOINTS, null));
        assertTrue(again.fenced());
        assertEquals(2, partition("t", 0).leader());
        assertEquals(List.of(2), partition("t", 0).isr());
    }

    @Test
    void unregisteringRemovesTheBrokerAndItsLeadership() throws IOException {
        threeBrokersAndATopic();
        get(controller.unregisterBroker(3));
        assertNull(controller.image().broker(3));
        for (PartitionRegistration p : controller.image().topic("t").partitions().values()) {
            assertFalse(p.isr().contains(3));
            assertTrue(p.replicas().contains(3), "it stays a (now offline) replica");
            assertTrue(p.leader() == 1 || p.leader() == 2);
        }
        assertEquals(ErrorCode.BROKER_ID_NOT_REGISTERED, fails(() -> get(controller.unregisterBroker(3)))
            .errorCode());
    }

    @Test
    void fencingSurvivesRestartAndSnapshots() throws IOException {
        threeBrokersAndATopic();
        clock.advance(SESSION_MS + 1);
        heartbeat(1, false, false);
        heartbeat(2, false, false);
        controller.checkSessions();
        get(controller.snapshot());
        MetadataImage before = controller.image();
        controller.close();
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        assertTrue(before.sameContent(controller.image()));
        assertTrue(controller.image().broker(3).fenced());
        TopicImage t = controller.image().topic("t");
        assertTrue(t.partitions().values().stream().noneMatch(p -> p.leader() == 3));
    }
}
