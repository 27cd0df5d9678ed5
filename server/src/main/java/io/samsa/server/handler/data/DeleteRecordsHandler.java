package io.samsa.server.handler.data;

import io.samsa.metadata.TopicNames;
import io.samsa.replication.Partition;
import io.samsa.replication.ShardProxy;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DeleteRecordsRequest;
import io.samsa.wire.message.DeleteRecordsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * DeleteRecords (key 21), v0-2: raises each partition's log start offset to the requested offset (-1 means the
 * high watermark) on the partition's shard and answers with the new low watermark; an offset above the high
 * watermark gets OFFSET_OUT_OF_RANGE, an internal topic INVALID_TOPIC_EXCEPTION. Segments wholly below the new
 * start are deleted by the next retention run. With one replica nothing waits for followers, so
 * {@code timeout_ms} is unused.
 *
 * <p>Runs on the connection's event loop; each partition's part on its shard ({@link ShardProxy#scatter}), gathered
 * back on the connection's loop, which answers. Stateless and thread-safe.
 */
final class DeleteRecordsHandler implements ApiHandler {
    private final PartitionLookup partitions;

    DeleteRecordsHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DeleteRecordsRequest req = (DeleteRecordsRequest) request;
        DeleteRecordsResponse resp = new DeleteRecordsResponse();
        List<Deletion> work = new ArrayList<>();
        for (DeleteRecordsRequest.DeleteRecordsTopic t : req.topics()) {
            DeleteRecordsResponse.DeleteRecordsTopicResult tr = new DeleteRecordsResponse.DeleteRecordsTopicResult()
                    .setName(t.name());
            resp.topics().add(tr);
            for (DeleteRecordsRequest.DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsResponse.DeleteRecordsPartitionResult r =
                        new DeleteRecordsResponse.DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex())
                                .setLowWatermark(-1);
                tr.partitions().add(r);
                Partition part = partitions.partition(t.name(), p.partitionIndex());
                if (part == null) {
                    r.setErrorCode(partitions.notHosted(t.name(), p.partitionIndex()).code());
                    continue;
                }
                if (TopicNames.isInternal(t.name())) {
                    r.setErrorCode(ErrorCode.INVALID_TOPIC_EXCEPTION.code());
                    continue;
                }
                work.add(new Deletion(part, p.offset(), r));
            }
        }
        partitions.shards().scatter(new ShardProxy.Gather(ctx.executor()) {
            @Override
            protected void gathered() {
                for (Deletion d : work) {
                    if (d.error() != null) {
                        d.result.setErrorCode(DataErrors.code(d.error(), ctx.logPrefix()).code()).setLowWatermark(-1);
                    }
                }
                sink.send(resp);
            }
        }, work);
    }

    /** One partition's DeleteRecords, on its shard. */
    private static final class Deletion extends ShardProxy.Part {
        final long offset;
        final DeleteRecordsResponse.DeleteRecordsPartitionResult result;

        Deletion(Partition partition, long offset, DeleteRecordsResponse.DeleteRecordsPartitionResult result) {
            super(partition);
            this.offset = offset;
            this.result = result;
        }

        @Override
        protected void runOnShard() {
            result.setLowWatermark(partition.deleteRecordsBefore(offset));
        }
    }
}
