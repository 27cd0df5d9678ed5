package io.samsa.server.handler.data;

import io.samsa.metadata.TopicImage;
import io.samsa.metadata.TopicNames;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.partition.ReplicaManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DeleteRecordsRequest;
import io.samsa.wire.message.DeleteRecordsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DeleteRecords (key 21), v0-2: raises each partition's log start offset to the requested offset (-1 means the
 * high watermark) on the partition's shard and answers with the new low watermark; an offset above the high
 * watermark gets OFFSET_OUT_OF_RANGE, an internal topic INVALID_TOPIC_EXCEPTION. Segments wholly below the new
 * start are deleted by the next retention run. With one replica nothing waits for followers, so
 * {@code timeout_ms} is unused.
 *
 * <p>Runs on the connection's event loop and the partitions' shards. Stateless and thread-safe.
 */
final class DeleteRecordsHandler implements ApiHandler {
    private final ReplicaManager replicas;

    DeleteRecordsHandler(ReplicaManager replicas) {
        this.replicas = replicas;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DeleteRecordsRequest req = (DeleteRecordsRequest) request;
        DeleteRecordsResponse resp = new DeleteRecordsResponse();
        List<Runnable> work = new ArrayList<>();
        List<Partition> owners = new ArrayList<>();
        AtomicInteger pending = new AtomicInteger(1);
        Runnable done = () -> {
            if (pending.decrementAndGet() == 0) {
                sink.send(resp);
            }
        };
        for (DeleteRecordsRequest.DeleteRecordsTopic t : req.topics()) {
            DeleteRecordsResponse.DeleteRecordsTopicResult tr = new DeleteRecordsResponse.DeleteRecordsTopicResult()
                    .setName(t.name());
            resp.topics().add(tr);
            for (DeleteRecordsRequest.DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsResponse.DeleteRecordsPartitionResult r =
                        new DeleteRecordsResponse.DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                                .setLowWatermark(-1);
                tr.partitions().add(r);
                Partition part = replicas.partition(t.name(), p.partitionIndex());
                if (part == null) {
                    TopicImage ti = replicas.image().topic(t.name());
                    r.setErrorCode((ti != null && ti.partition(p.partitionIndex()) != null
                            ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).code());
                    continue;
                }
                if (TopicNames.isInternal(t.name())) {
                    r.setErrorCode(ErrorCode.INVALID_TOPIC_EXCEPTION.code());
                    continue;
                }
                long offset = p.offset();
                pending.incrementAndGet();
                owners.add(part);
                work.add(() -> {
                    try {
                        r.setLowWatermark(part.deleteRecordsBefore(offset));
                    } catch (Throwable e) {
                        r.setErrorCode(DataErrors.code(e, ctx.logPrefix()).code()).setLowWatermark(-1);
                    } finally {
                        done.run();
                    }
                });
            }
        }
        for (int i = 0; i < work.size(); i++) {
            replicas.onShard(owners.get(i), work.get(i));
        }
        done.run();
    }
}
