package io.samsa.server.cluster;

import io.samsa.controller.AlterPartitionItem;
import io.samsa.controller.AlterPartitionResult;
import io.samsa.controller.Committed;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.replication.AlterPartitionChannel.IsrChange;
import io.samsa.replication.AlterPartitionChannel.IsrMember;
import io.samsa.replication.IsrEligibility;
import io.samsa.replication.PartitionState;
import io.samsa.testkit.SimExecutor;
import io.samsa.testkit.SimScheduler;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.protocol.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker's AlterPartition sender on a simulated executor and a scripted controller: one request in flight, the
 * changes queued meanwhile batched into the next, whole-request failures retried with a doubling backoff, and each
 * partition's answer to its own future.
 */
class AlterPartitionManagerTest {
    private static final UUID TOPIC = new UUID(7, 7);

    private final SimScheduler sim = new SimScheduler(new Random(3), 1_000_000);
    private final SimExecutor executor = sim.executor("alter-partition");
    private final ArrayDeque<Call> calls = new ArrayDeque<>();
    private final List<Long> sentAt = new ArrayList<>();
    private long brokerEpoch = 42;
    private final AlterPartitionManager manager = new AlterPartitionManager(3, () -> brokerEpoch, this::send,
            (topicId, partition) -> List.of(3, 4, 5), executor, 50, 400);

    private record Call(int brokerId, long brokerEpoch, List<AlterPartitionItem> items,
                        CompletableFuture<Committed<List<AlterPartitionResult>>> answer) {
    }

    private CompletableFuture<Committed<List<AlterPartitionResult>>> send(int brokerId, long epoch,
                                                                        List<AlterPartitionItem> items) {
        CompletableFuture<Committed<List<AlterPartitionResult>>> f = new CompletableFuture<>();
        calls.add(new Call(brokerId, epoch, items, f));
        sentAt.add(sim.nowMillis());
        return f;
    }

    private static IsrChange change(int partition, int... isr) {
        List<IsrMember> members = new ArrayList<>();
        for (int b : isr) {
            members.add(new IsrMember(b, 100 + b));
        }
        return new IsrChange(TOPIC, "t", partition, 5, 9, members);
    }

    private static AlterPartitionResult ok(AlterPartitionItem item) {
        return new AlterPartitionResult(item.topicId(), item.partition(), ErrorCode.NONE, 3, item.leaderEpoch(),
                item.brokerIds(), (byte) 0, item.partitionEpoch() + 1);
    }

    private static ErrorCode failure(CompletableFuture<?> f) {
        assertTrue(f.isCompletedExceptionally());
        try {
            f.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return assertInstanceOf(SamsaException.class, e.getCause()).errorCode();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void changesProposedWhileARequestIsInFlightGoTogetherInTheNext() throws Exception {
        CompletableFuture<PartitionState> first = manager.alterPartition(change(0, 3, 4));
        sim.runUntilIdle();
        assertEquals(1, calls.size());
        CompletableFuture<PartitionState> second = manager.alterPartition(change(1, 3));
        CompletableFuture<PartitionState> third = manager.alterPartition(change(2, 3, 5));
        sim.runUntilIdle();
        assertEquals(1, calls.size(), "one request in flight at a time");

        Call call = calls.poll();
        assertEquals(3, call.brokerId());
        assertEquals(42, call.brokerEpoch());
        assertEquals(1, call.items().size());
        AlterPartitionItem item = call.items().get(0);
        assertEquals(List.of(new AlterPartitionItem.IsrMember(3, 103), new AlterPartitionItem.IsrMember(4, 104)),
                item.newIsr());
        assertEquals(5, item.leaderEpoch());
        assertEquals(9, item.partitionEpoch());
        call.answer().complete(new Committed<>(List.of(ok(item)), 10));
        sim.runUntilIdle();
        assertEquals(new PartitionState(3, 5, List.of(3, 4), List.of(3, 4, 5), 10), first.get());

        Call batch = calls.poll();
        assertEquals(List.of(1, 2), batch.items().stream().map(AlterPartitionItem::partition).toList());
        batch.answer().complete(new Committed<>(List.of(ok(batch.items().get(0)),
                AlterPartitionResult.error(TOPIC, 2, ErrorCode.INVALID_UPDATE_VERSION)), 11));
        sim.runUntilIdle();
        assertEquals(List.of(3), second.get().isr());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, failure(third));
        assertTrue(calls.isEmpty());
    }

    @Test
    void aSecondChangeOfAPendingPartitionIsNotAttempted() {
        CompletableFuture<PartitionState> first = manager.alterPartition(change(0, 3, 4));
        CompletableFuture<PartitionState> again = manager.alterPartition(change(0, 3));
        sim.runUntilIdle();
        assertEquals(ErrorCode.OPERATION_NOT_ATTEMPTED, failure(again));
        assertFalse(first.isDone());
        assertEquals(1, calls.size());
    }

    @Test
    void wholeRequestFailuresAreRetriedWithADoublingBackoff() throws Exception {
        CompletableFuture<PartitionState> f = manager.alterPartition(change(0, 3, 4));
        sim.runUntilIdle();
        calls.poll().answer().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "moved"));
        sim.runUntilIdle();
        calls.poll().answer().completeExceptionally(new SamsaException(ErrorCode.REQUEST_TIMED_OUT, "slow"));
        // Meanwhile another partition's change waits for the retry and goes with it.
        CompletableFuture<PartitionState> other = manager.alterPartition(change(1, 3));
        sim.runUntilIdle();
        calls.poll().answer().completeExceptionally(new SamsaException(ErrorCode.STALE_BROKER_EPOCH, "renewing"));
        sim.runUntilIdle();
        Call last = calls.poll();
        assertEquals(List.of(0, 1), last.items().stream().map(AlterPartitionItem::partition).toList());
        assertEquals(List.of(0L, 50L, 150L, 350L), sentAt.stream().map(t -> t - sentAt.get(0)).toList());
        last.answer().complete(new Committed<>(List.of(ok(last.items().get(0)), ok(last.items().get(1))), 20));
        sim.runUntilIdle();
        assertEquals(List.of(3, 4), f.get().isr());
        assertEquals(List.of(3), other.get().isr());
    }

    @Test
    void otherFailuresGoToTheFuturesAndNothingIsSentBeforeRegistration() {
        brokerEpoch = -1;
        CompletableFuture<PartitionState> f = manager.alterPartition(change(0, 3, 4));
        sim.runFor(120);
        assertTrue(calls.isEmpty());
        brokerEpoch = 43;
        sim.runUntilIdle();
        Call call = calls.poll();
        assertEquals(43, call.brokerEpoch());
        call.answer().completeExceptionally(new SamsaException(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "no"));
        sim.runUntilIdle();
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, failure(f));
        assertTrue(calls.isEmpty());
    }

    @Test
    void closingFailsWhatWaits() {
        CompletableFuture<PartitionState> inFlight = manager.alterPartition(change(0, 3, 4));
        sim.runUntilIdle();
        CompletableFuture<PartitionState> waiting = manager.alterPartition(change(1, 3));
        manager.close();
        sim.runUntilIdle();
        assertEquals(ErrorCode.NOT_CONTROLLER, failure(waiting));
        calls.poll().answer().complete(new Committed<>(List.of(), 1));
        sim.runUntilIdle();
        assertEquals(ErrorCode.NOT_CONTROLLER, failure(inFlight));
        CompletableFuture<PartitionState> late = manager.alterPartition(change(2, 3));
        sim.runUntilIdle();
        assertEquals(ErrorCode.NOT_CONTROLLER, failure(late));
    }
    /**
     * The leaders' ISR eligibility from the image (KIP-841, KIP-903): registered, unfenced, not shutting down, and in
     * the broker epoch the follower fetched with (-1 unchecked).
     */
    @Test
    void isrEligibilityFollowsTheImage() {
        List<Message> records = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            records.add(new BrokerRegistration(id, 10 + id, new UUID(0, id), null, List.of(), Map.of(), id == 2,
                    id == 3).toRecord());
        }
        MetadataImage image = MetadataDelta.replayAll(MetadataImage.EMPTY, records, 0, 1);
        IsrEligibility eligibility = AlterPartitionManager.isrEligibility(() -> image);
        assertTrue(eligibility.isrEligible(1, 11));
        assertTrue(eligibility.isrEligible(1, -1), "a fetch without a broker epoch");
        assertFalse(eligibility.isrEligible(1, 9), "another registration's epoch");
        assertFalse(eligibility.isrEligible(2, 12), "fenced");
        assertFalse(eligibility.isrEligible(3, 13), "in controlled shutdown");
        assertFalse(eligibility.isrEligible(4, -1), "not registered");
    }
}
