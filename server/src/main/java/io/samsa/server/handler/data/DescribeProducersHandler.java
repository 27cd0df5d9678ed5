package io.samsa.server.handler.data;

import io.netty.channel.EventLoop;
import io.samsa.metadata.TopicImage;
import io.samsa.log.ActiveProducer;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.partition.ReplicaManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeProducersRequest;
import io.samsa.wire.message.DescribeProducersResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DescribeProducers (key 61), v0 (KIP-664): per partition, the idempotent and transactional producers its log
 * remembers (id, epoch, last sequence, last timestamp, coordinator epoch, current transaction start offset), read
 * from the log's producer state. Like Kafka: a topic or partition that does not exist gets
 * UNKNOWN_TOPIC_OR_PARTITION; one this broker does not lead (not hosted, another leader) NOT_LEADER_OR_FOLLOWER.
 *
 * <p>The producer state belongs to the partition's writer, so each partition's listing runs on its shard; the
 * last one to finish sends the response (the sink hops to the connection loop). Stateless and thread-safe.
 */
final class DescribeProducersHandler implements ApiHandler {
    private final ReplicaManager replicas;

    DescribeProducersHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeProducersRequest req = (DescribeProducersRequest) request;
        DescribeProducersResponse resp = new DescribeProducersResponse();
        List<Listing> listings = new ArrayList<>();
        AtomicInteger pending = new AtomicInteger(1);
        for (DescribeProducersRequest.TopicRequest t : req.topics()) {
            DescribeProducersResponse.TopicResponse tr = new DescribeProducersResponse.TopicResponse()
                    .setName(t.name());
            resp.topics().add(tr);
            for (int index : t.partitionIndexes()) {
                DescribeProducersResponse.PartitionResponse pr = new DescribeProducersResponse.PartitionResponse()
                        .setPartitionIndex(index);
                tr.partitions().add(pr);
                Partition p = replicas.partition(t.name(), index);
                if (p == null) {
                    TopicImage image = replicas.image().topic(t.name());
                    boolean exists = image != null && image.partition(index) != null;
                    fail(pr, exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                            "This server does not host " + t.name() + "-" + index);
                } else if (!p.isLeader()) {
                    fail(pr, ErrorCode.NOT_LEADER_OR_FOLLOWER, "Broker is not the leader of " + p.name()
                            + " (leader " + p.state().leader() + ", epoch " + p.leaderEpoch() + ")");
                } else {
                    listings.add(new Listing(ctx, p, pr, pending, sink, resp));
                }
            }
        }
        pending.addAndGet(listings.size());
        for (Listing l : listings) {
            EventLoop shard = replicas.shardOf(l.partition);
            if (shard == null || shard.inEventLoop()) {
                l.run();
            } else {
                shard.execute(l);
            }
        }
        if (pending.decrementAndGet() == 0) {
            sink.send(resp);
        }
    }

    private static void fail(DescribeProducersResponse.PartitionResponse pr, ErrorCode code, String message) {
        pr.setErrorCode(code.code()).setErrorMessage(message);
    }

    /** One partition's listing; runs on the partition's shard (its producer state's only thread). */
    private static final class Listing implements Runnable {
        final RequestContext ctx;
        final Partition partition;
        final DescribeProducersResponse.PartitionResponse response;
        final AtomicInteger pending;
        final ResponseSink sink;
        final DescribeProducersResponse whole;

        Listing(RequestContext ctx, Partition partition, DescribeProducersResponse.PartitionResponse response,
                AtomicInteger pending, ResponseSink sink, DescribeProducersResponse whole) {
            this.ctx = ctx;
            this.partition = partition;
            this.response = response;
            this.pending = pending;
            this.sink = sink;
            this.whole = whole;
        }

        @Override
        public void run() {
            try {
                if (partition.isDeleted()) {
                    fail(response, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "Partition " + partition.name()
                            + " was deleted");
                } else {
                    List<DescribeProducersResponse.ProducerState> out = response.activeProducers();
                    for (ActiveProducer a : partition.log().activeProducers()) {
                        out.add(new DescribeProducersResponse.ProducerState().setProducerId(a.producerId())
                                .setProducerEpoch(a.producerEpoch()).setLastSequence(a.lastSequence())
                                .setLastTimestamp(a.lastTimestamp()).setCoordinatorEpoch(a.coordinatorEpoch())
                                .setCurrentTxnStartOffset(a.currentTxnStartOffset()));
                    }
                }
            } catch (Throwable t) {
                response.activeProducers().clear();
                fail(response, DataErrors.code(t, ctx.logPrefix()), DataErrors.message(t));
            } finally {
                if (pending.decrementAndGet() == 0) {
                    sink.send(whole);
                }
            }
        }
    }
}
