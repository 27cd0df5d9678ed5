package io.samsa.server.handler.data;

import io.samsa.log.TimestampOffset;
import io.samsa.replication.Partition;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.protocol.Message;

/**
 * ListOffsets (key 2), v1-8. Per partition: -2 earliest (log start offset), -1 latest (the high watermark, or
 * the last stable offset for READ_COMMITTED), -3 max timestamp (v7+, KIP-734: the first record carrying the
 * largest timestamp), -4 earliest local (v8+, KIP-405: the log start offset, as nothing is tiered), and a
 * timestamp: the first offset whose record timestamp is at or above it (offset -1 when none is, or when it is
 * not yet readable at the isolation level). Offsets and timestamps found by time are exact, inside compressed
 * batches too (the log decompresses the one candidate batch). v4+ checks the current leader epoch
 * (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH) and answers a leader epoch: the current one for -1, else the epoch
 * in which the answered offset was written (Kafka's choice). v9+ (latest tiered, -5) is not served: tiered
 * storage does not exist. A consumer's (replica id -1) latest offset, or an offset found by time past the high
 * watermark, is OFFSET_NOT_AVAILABLE while a new leader's high watermark is below the start of its epoch (KIP-392).
 *
 * <p>Reads only lock-free log state; runs on the connection's event loop. Stateless and thread-safe.
 */
final class ListOffsetsHandler implements ApiHandler {
    static final long LATEST = -1;
    static final long EARLIEST = -2;
    static final long MAX_TIMESTAMP = -3;
    static final long EARLIEST_LOCAL = -4;

    private final PartitionLookup partitions;

    ListOffsetsHandler(PartitionLookup partitions) {
        this.partitions = partitions;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        ListOffsetsRequest req = (ListOffsetsRequest) request;
        short version = ctx.apiVersion();
        boolean readCommitted = version >= 2 && req.isolationLevel() == FetchHandler.READ_COMMITTED;
        ListOffsetsResponse resp = new ListOffsetsResponse();
        for (ListOffsetsRequest.ListOffsetsTopic t : req.topics()) {
            ListOffsetsResponse.ListOffsetsTopicResponse tr = new ListOffsetsResponse.ListOffsetsTopicResponse()
                    .setName(t.name());
            resp.topics().add(tr);
            for (ListOffsetsRequest.ListOffsetsPartition p : t.partitions()) {
                ListOffsetsResponse.ListOffsetsPartitionResponse pr =
                        new ListOffsetsResponse.ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                                .setTimestamp(-1).setOffset(-1).setLeaderEpoch(-1);
                tr.partitions().add(pr);
                try {
                    answer(t.name(), p, pr, readCommitted, version, req.replicaId() < 0);
                } catch (Throwable e) {
                    pr.setErrorCode(DataErrors.code(e, ctx.logPrefix()).code()).setTimestamp(-1).setOffset(-1)
                            .setLeaderEpoch(-1);
                }
            }
        }
        sink.send(resp);
    }

    private void answer(String topic, ListOffsetsRequest.ListOffsetsPartition req,
                        ListOffsetsResponse.ListOffsetsPartitionResponse pr, boolean readCommitted, short version,
                        boolean fromClient) {
        Partition p = partitions.partition(topic, req.partitionIndex());
        if (p == null) {
            throw new SamsaException(partitions.notHosted(topic, req.partitionIndex()),
                    "This server does not host " + topic + "-" + req.partitionIndex());
        }
        p.ensureLeader();
        int epoch = p.leaderEpoch();
        if (version >= 4 && req.currentLeaderEpoch() >= 0) {
            if (req.currentLeaderEpoch() < epoch) {
                throw new SamsaException(ErrorCode.FENCED_LEADER_EPOCH, "Leader epoch " + req.currentLeaderEpoch()
                        + " is older than the current epoch " + epoch + " of " + p.name());
            }
            if (req.currentLeaderEpoch() > epoch) {
                throw new SamsaException(ErrorCode.UNKNOWN_LEADER_EPOCH, "Leader epoch " + req.currentLeaderEpoch()
                        + " is newer than the current epoch " + epoch + " of " + p.name());
            }
        }
        long fetchable = readCommitted ? p.lastStableOffset() : p.highWatermark();
        // KIP-392: a new leader whose high watermark lags the start of its epoch does not know the latest offset yet.
        boolean lagging = fromClient && p.highWatermarkBehindEpochStart();
        long ts = req.timestamp();
        if (ts == LATEST) {
            if (lagging) {
                throw notAvailable(p);
            }
            pr.setOffset(fetchable).setLeaderEpoch(epoch);
        } else if (ts == EARLIEST || (ts == EARLIEST_LOCAL && version >= 8)) {
            long start = p.logStartOffset();
            pr.setOffset(start).setLeaderEpoch(p.log().epochForOffset(start));
        } else if (ts == MAX_TIMESTAMP && version >= 7) {
            answerWith(pr, p.log().maxTimestampAndOffset(), fetchable, lagging, p);
        } else if (ts >= 0) {
            answerWith(pr, p.log().offsetForTimestamp(ts), fetchable, lagging, p);
        } else {
            throw new SamsaException(ErrorCode.INVALID_REQUEST, "Invalid timestamp " + ts + " for " + p.name()
                    + " at ListOffsets version " + version);
        }
    }

    /**
     * A record found by time answers only when it is readable at the isolation level (below {@code fetchable}); one
     * past it while the new leader's high watermark lags its epoch start is OFFSET_NOT_AVAILABLE (KIP-392).
     */
    private static void answerWith(ListOffsetsResponse.ListOffsetsPartitionResponse pr, TimestampOffset found,
                                   long fetchable, boolean lagging, Partition p) {
        if (found.found() && found.offset() < fetchable) {
            pr.setTimestamp(found.timestamp()).setOffset(found.offset()).setLeaderEpoch(found.leaderEpoch());
        } else if (found.found() && lagging) {
            throw notAvailable(p);
        }
    }

    private static SamsaException notAvailable(Partition p) {
        return new SamsaException(ErrorCode.OFFSET_NOT_AVAILABLE, "The high watermark " + p.highWatermark() + " of "
                + p.name() + " is behind the start of its leader epoch " + p.leaderEpoch() + ": retry");
    }
}
