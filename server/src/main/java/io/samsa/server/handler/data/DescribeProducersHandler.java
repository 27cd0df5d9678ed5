package io.samsa.server.handler.data;

import io.samsa.log.ActiveProducer;
import io.samsa.replication.Partition;
import io.samsa.replication.ShardProxy;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeProducersRequest;
import io.samsa.wire.message.DescribeProducersResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * DescribeProducers (key 61), v0 (KIP-664): per partition, the idempotent and transactional producers its log
 * remembers (id, epoch, last sequence, last timestamp, coordinator epoch, current transaction start offset), read
 * from the log's producer state. Like Kafka: a topic or partition that does not exist gets
 * UNKNOWN_TOPIC_OR_PARTITION; one this broker does not lead (not hosted, another leader) NOT_LEADER_OR_FOLLOWER.
 *
 * <p>The producer state belongs to the partition's writer, so each partition's listing runs on its shard
 * ({@link ShardProxy#scatter}); the listings are gathered back on the connection's loop, which answers. Stateless
 * and thread-safe.
 */
final class DescribeProducersHandler implements ApiHandler {
    private final PartitionLookup partitions;

    DescribeProducersHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeProducersRequest req = (DescribeProducersRequest) request;
        DescribeProducersResponse resp = new DescribeProducersResponse();
        List<Listing> listings = new ArrayList<>();
        for (DescribeProducersRequest.TopicRequest t : req.topics()) {
            DescribeProducersResponse.TopicResponse tr = new DescribeProducersResponse.TopicResponse()
                    .setName(t.name());
            resp.topics().add(tr);
            for (int index : t.partitionIndexes()) {
                DescribeProducersResponse.PartitionResponse pr = new DescribeProducersResponse.PartitionResponse()
                        .setPartitionIndex(index);
                tr.partitions().add(pr);
                Partition p = partitions.partition(t.name(), index);
                if (p == null) {
                    fail(pr, partitions.notHosted(t.name(), index), "This server does not host " + t.name() + "-"
                            + index);
                } else if (!p.isLeader()) {
                    fail(pr, ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker is not the leader of " + p.name()
                            + " (leader " + p.state().leader() + ", epoch " + p.leaderEpoch() + ")");
                } else {
                    listings.add(new Listing(p, pr));
                }
            }
        }
        partitions.shards().scatter(new ShardProxy.Gather(ctx.executor()) {
            @Override
            protected void gathered() {
                for (Listing l : listings) {
                    if (l.error() != null) {
                        l.response.activeProducers().clear();
                        fail(l.response, DataErrors.code(l.error(), ctx.logPrefix()), DataErrors.message(l.error()));
                    }
                }
                sink.send(resp);
            }
        }, listings);
    }

    private static void fail(DescribeProducersResponse.PartitionResponse pr, ErrorCode code, String message) {
        pr.setErrorCode(code.code()).setErrorMessage(message);
    }

    /** One partition's listing; runs on the partition's shard (its producer state's only thread). */
    private static final class Listing extends ShardProxy.Part {
        final DescribeProducersResponse.PartitionResponse response;

        Listing(Partition partition, DescribeProducersResponse.PartitionResponse response) {
            super(partition);
            this.response = response;
        }

        @Override
        protected void runOnShard() {
            if (partition.isDeleted()) {
                DescribeProducersHandler.fail(response, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Partition "
                        + partition.name() + " was deleted");
                return;
            }
            List<DescribeProducersResponse.ProducerState> out = response.activeProducers();
            for (ActiveProducer a : partition.log().activeProducers()) {
                out.add(new DescribeProducersResponse.ProducerState().setProducerId(a.producerId())
                        .setProducerEpoch(a.producerEpoch()).setLastSequence(a.lastSequence())
                        .setLastTimestamp(a.lastTimestamp()).setCoordinatorEpoch(a.coordinatorEpoch())
                        .setCurrentTxnStartOffset(a.currentTxnStartOffset()));
            }
        }
    }
}
