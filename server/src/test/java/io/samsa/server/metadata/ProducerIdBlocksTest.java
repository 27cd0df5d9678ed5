package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.ApiResult;
import io.samsa.controller.BrokerHeartbeatReply;
import io.samsa.controller.BrokerHeartbeatRequest;
import io.samsa.controller.BrokerRegistrationRequest;
import io.samsa.controller.Committed;
import io.samsa.controller.ElectionType;
import io.samsa.controller.OngoingReassignment;
import io.samsa.controller.Reassignment;
import io.samsa.controller.TopicPartition;
import io.samsa.controller.Controller;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.controller.CreateTopicResult;
import io.samsa.controller.DeleteTopicResult;
import io.samsa.controller.ProducerIdBlock;
import io.samsa.controller.TopicRef;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.metadata.ConfigResource;
import io.samsa.metadata.Endpoint;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** InitProducerId's id source: blocks from the controller, asked for ahead of need, never an id twice. */
class ProducerIdBlocksTest {

    /** Answers AllocateProducerIds when the test says so, with consecutive blocks. */
    private static final class BlockController implements Controller {
        final ArrayDeque<CompletableFuture<Committed<ProducerIdBlock>>> asked = new ArrayDeque<>();
        final List<Long> epochs = new ArrayList<>();
        long nextBlock;

        @Override
        public CompletableFuture<Committed<ProducerIdBlock>> allocateProducerIds(int brokerId, long brokerEpoch) {
            epochs.add(brokerEpoch);
            CompletableFuture<Committed<ProducerIdBlock>> f = new CompletableFuture<>();
            asked.add(f);
            return f;
        }

        void give() {
            ProducerIdBlock block = new ProducerIdBlock(1, nextBlock, ProducerIdBlock.SIZE);
            nextBlock += ProducerIdBlock.SIZE;
            asked.poll().complete(new Committed<>(block, nextBlock));
        }

        @Override
        public CompletableFuture<Committed<BrokerRegistration>> registerBroker(BrokerRegistrationRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<BrokerHeartbeatReply>> brokerHeartbeat(BrokerHeartbeatRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Committed<Void>> unregisterBroker(int brokerId) {
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
        public void close() {
        }
    }

    private final BlockController controller = new BlockController();
    private final ProducerIdBlocks blocks = new ProducerIdBlocks(controller, 1);

    @Test
    void requestsWaitForRegistrationThenForTheFirstBlock() {
        CompletableFuture<Long> first = blocks.nextId();
        CompletableFuture<Long> second = blocks.nextId();
        assertTrue(controller.asked.isEmpty(), "no block before the broker epoch is known");
        blocks.registered(7);
        assertEquals(List.of(7L), controller.epochs);
        assertFalse(first.isDone());
        controller.give();
        assertEquals(0L, first.join());
        assertEquals(1L, second.join());
        assertEquals(2L, blocks.nextId().join());
        assertEquals(1, controller.epochs.size(), "one block is enough for now");
    }

    @Test
    void theNextBlockIsAskedForAtNinetyPercentSoRequestsDoNotWait() {
        blocks.registered(3);
        controller.give();
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 899; i++) {
            ids.add(blocks.nextId().join());
        }
        assertEquals(1, controller.epochs.size());
        ids.add(blocks.nextId().join());
        assertEquals(2, controller.epochs.size(), "90% gone: the next block is on its way");
        controller.give();
        for (int i = 0; i < 1_100; i++) {
            CompletableFuture<Long> f = blocks.nextId();
            assertTrue(f.isDone(), "id " + i + " waited");
            ids.add(f.join());
        }
        assertEquals(2_000, ids.size(), "no id twice");
        assertEquals(3, controller.epochs.size());
    }

    @Test
    void aFailedBlockFailsTheWaitingRequestsAndTheNextRequestAsksAgain() {
        blocks.registered(3);
        CompletableFuture<Long> waiting = blocks.nextId();
        controller.asked.poll().completeExceptionally(new SamsaException(ErrorCode.NOT_CONTROLLER, "gone"));
        assertTrue(waiting.isCompletedExceptionally());
        CompletableFuture<Long> again = blocks.nextId();
        assertEquals(2, controller.epochs.size());
        controller.give();
        assertEquals(0L, again.join());
    }
}
