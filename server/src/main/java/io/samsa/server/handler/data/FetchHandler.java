package io.samsa.server.handler.data;

import io.netty.buffer.Unpooled;
import io.samsa.common.Clock;
import io.samsa.metadata.TopicImage;
import io.samsa.log.AbortedTransaction;
import io.samsa.replication.DelayedOperation;
import io.samsa.replication.Partition;
import io.samsa.replication.PartitionRead;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.partition.ReplicaManager;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fetch (key 1), v4-18, for consumers. Reads whole batches below the high watermark (READ_COMMITTED: below the
 * last stable offset, with the aborted transactions), honouring {@code max_bytes} (capped by the broker's
 * {@code fetch.max.bytes}) and {@code partition_max_bytes}, the first non-empty partition whole even when larger
 * (KIP-74). Long polling: when fewer than {@code min_bytes} are available the request waits in the purgatory
 * until an append moves the high watermark of one of its partitions or {@code max_wait_ms} passes. Record bytes
 * leave by sendfile ({@link FileRecords}). Incremental fetch sessions (KIP-227, v7+) through
 * {@link FetchSessionCache}; v13+ names topics by id (KIP-516). The preferred read replica is always -1.
 *
 * <p>Runs on the connection's event loop; reads are lock-free (any thread). Thread-safe.
 */
final class FetchHandler implements ApiHandler {
    static final byte READ_COMMITTED = 1;
    private static final ByteBufRecords NO_RECORDS = new ByteBufRecords(Unpooled.EMPTY_BUFFER);

    private final ReplicaManager replicas;
    private final FetchSessionCache sessions;
    private final Clock clock;
    private final int brokerMaxBytes;

    FetchHandler(ReplicaManager replicas, FetchSessionCache sessions, Clock clock, int brokerMaxBytes) {
        this.replicas = replicas;
        this.sessions = sessions;
        this.clock = clock;
        this.brokerMaxBytes = brokerMaxBytes;
    }

    /** One partition of the fetch, resolved. */
    static final class Item {
        final FetchKey key;
        final long fetchOffset;
        final int maxBytes;
        final int currentLeaderEpoch;
        Partition partition;
        ErrorCode error;

        Item(FetchKey key, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
            this.key = key;
            this.fetchOffset = fetchOffset;
            this.maxBytes = maxBytes;
            this.currentLeaderEpoch = currentLeaderEpoch;
        }
    }

    private enum Mode { SESSIONLESS, NEW_SESSION, INCREMENTAL }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        FetchRequest req = (FetchRequest) request;
        short version = ctx.apiVersion();
        int sessionId = version >= 7 ? req.sessionId() : 0;
        int epoch = version >= 7 ? req.sessionEpoch() : -1;
        boolean byId = version >= 13;
        List<Item> items = new ArrayList<>();
        Mode mode;
        FetchSession session = null;
        if (epoch == -1 || epoch == 0) {
            if (sessionId != 0) {
                sessions.remove(sessionId);
            }
            mode = epoch == 0 ? Mode.NEW_SESSION : Mode.SESSIONLESS;
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    items.add(new Item(key(t.topic(), t.topicId(), p.partition(), byId), p.fetchOffset(),
                            p.partitionMaxBytes(), p.currentLeaderEpoch()));
                }
            }
        } else {
            session = sessions.get(sessionId);
            if (session == null) {
                sink.send(topLevelError(ErrorCode.FETCH_SESSION_ID_NOT_FOUND));
                return;
            }
            if (session.epoch() != epoch) {
                sink.send(topLevelError(ErrorCode.INVALID_FETCH_SESSION_EPOCH));
                return;
            }
            mode = Mode.INCREMENTAL;
            session.advance(clock.milliseconds());
            for (FetchRequest.FetchTopic t : req.topics()) {
                for (FetchRequest.FetchPartition p : t.partitions()) {
                    session.put(key(t.topic(), t.topicId(), p.partition(), byId), p.fetchOffset(),
                            p.partitionMaxBytes());
                }
            }
            for (FetchRequest.ForgottenTopic t : req.forgottenTopicsData()) {
                for (Integer p : t.partitions()) {
                    session.remove(key(t.topic(), t.topicId(), p, byId));
                }
            }
            for (FetchSession.CachedPartition c : session.partitions()) {
                items.add(new Item(c.key, c.fetchOffset, c.maxBytes, -1));
            }
        }
        for (Item it : items) {
            resolve(it);
        }
        int maxBytes = Math.max(0, Math.min(req.maxBytes(), brokerMaxBytes));
        FetchOp op = new FetchOp(ctx, sink, req, items, mode, session, maxBytes);
        op.start();
    }

    private static FetchKey key(String topic, UUID id, int partition, boolean byId) {
        return byId ? new FetchKey(null, id, partition) : new FetchKey(topic, null, partition);
    }

    private void resolve(Item it) {
        String name = it.key.topic() != null ? it.key.topic() : replicas.topicName(it.key.topicId());
        if (name == null) {
            it.error = ErrorCode.UNKNOWN_TOPIC_ID;
            return;
        }
        Partition p = replicas.partition(name, it.key.partition());
        if (p == null) {
            TopicImage t = replicas.image().topic(name);
            it.error = t != null && t.partition(it.key.partition()) != null ? ErrorCode.NOT_LEADER_OR_FOLLOWER
                    : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return;
        }
        if (it.currentLeaderEpoch >= 0) {
            int current = p.leaderEpoch();
            if (it.currentLeaderEpoch < current) {
                it.error = ErrorCode.FENCED_LEADER_EPOCH;
                return;
            }
            if (it.currentLeaderEpoch > current) {
                it.error = ErrorCode.UNKNOWN_LEADER_EPOCH;
                return;
            }
        }
        it.partition = p;
    }

    private static FetchResponse topLevelError(ErrorCode code) {
        return new FetchResponse().setErrorCode(code.code()).setSessionId(0);
    }

    /** The outcome of reading every partition once. */
    static final class Round {
        final FetchResponse.PartitionData[] data;
        final FileRecords[] files;
        long bytes;
        boolean anyError;

        Round(int n) {
            data = new FetchResponse.PartitionData[n];
            files = new FileRecords[n];
        }

        void release() {
            for (FileRecords f : files) {
                if (f != null) {
                    f.release();
                }
            }
        }
    }

    /** One fetch request, from its first read to its response (possibly after waiting in the purgatory). */
    private final class FetchOp extends DelayedOperation {
        private final RequestContext ctx;
        private final ResponseSink sink;
        private final FetchRequest req;
        private final List<Item> items;
        private final Mode mode;
        private final FetchSession session;
        private final int maxBytes;
        private final boolean readCommitted;
        private Round ready;
        private ScheduledFuture<?> timeout;

        FetchOp(RequestContext ctx, ResponseSink sink, FetchRequest req, List<Item> items, Mode mode,
                FetchSession session, int maxBytes) {
            super(ctx.eventLoop());
            this.ctx = ctx;
            this.sink = sink;
            this.req = req;
            this.items = items;
            this.mode = mode;
            this.session = session;
            this.maxBytes = maxBytes;
            this.readCommitted = req.isolationLevel() == READ_COMMITTED;
        }

        void start() {
            Round r = readAll();
            if (req.maxWaitMs() <= 0 || r.bytes >= req.minBytes() || r.anyError || items.isEmpty()) {
                ready = r;
                complete();
                return;
            }
            r.release();
            for (Item it : items) {
                if (it.partition != null) {
                    it.partition.watch(this);
                }
            }
            if (tryComplete()) {
                return;
            }
            timeout = ctx.eventLoop().schedule(this::expire, req.maxWaitMs(), TimeUnit.MILLISECONDS);
        }

        @Override
        protected boolean tryComplete() {
            if (!mayHaveNews()) {
                return false;
            }
            Round r = readAll();
            if (r.bytes >= req.minBytes() || r.anyError) {
                ready = r;
                return complete();
            }
            r.release();
            return false;
        }

        /** Cheap check before reading: some partition has data past its fetch offset, or changed state. */
        private boolean mayHaveNews() {
            for (Item it : items) {
                Partition p = it.partition;
                if (p == null) {
                    continue;
                }
                if (!p.isLeader()) {
                    return true;
                }
                long bound = readCommitted ? p.lastStableOffset() : p.highWatermark();
                if (bound > it.fetchOffset || it.fetchOffset > p.logEndOffset()
                        || it.fetchOffset < p.logStartOffset()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        protected void onComplete(boolean expired) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            Round r = ready != null ? ready : readAll();
            ready = null;
            try {
                sink.send(buildResponse(r));
            } catch (RuntimeException e) {
                r.release();
                throw e;
            }
        }

        private Round readAll() {
            Round round = new Round(items.size());
            long remaining = maxBytes;
            boolean minOneMessage = true;
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                FetchResponse.PartitionData pd = new FetchResponse.PartitionData()
                        .setPartitionIndex(it.key.partition()).setHighWatermark(-1).setLastStableOffset(-1)
                        .setLogStartOffset(-1).setPreferredReadReplica(-1).setRecords(NO_RECORDS)
                        .setAbortedTransactions(null);
                round.data[i] = pd;
                if (it.error != null) {
                    // Kafka answers an error partition with its defaults: an empty aborted list, not null.
                    pd.setErrorCode(it.error.code()).setAbortedTransactions(List.of());
                    round.anyError = true;
                    continue;
                }
                try {
                    int limit = (int) Math.max(0, Math.min(it.maxBytes, remaining));
                    PartitionRead r = it.partition.read(it.fetchOffset, limit, readCommitted, minOneMessage);
                    pd.setHighWatermark(r.highWatermark()).setLastStableOffset(r.lastStableOffset())
                            .setLogStartOffset(r.logStartOffset());
                    if (!r.records().isEmpty()) {
                        FileRecords f = new FileRecords(r.records());
                        round.files[i] = f;
                        pd.setRecords(f);
                        remaining -= f.sizeInBytes();
                        round.bytes += f.sizeInBytes();
                        minOneMessage = false;
                    }
                    if (readCommitted) {
                        pd.setAbortedTransactions(aborted(it.partition, it.fetchOffset, r.lastStableOffset()));
                    }
                } catch (Throwable t) {
                    if (round.files[i] != null) {
                        round.files[i].release();
                        round.files[i] = null;
                    }
                    pd.setErrorCode(DataErrors.code(t, ctx.logPrefix()).code()).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1).setRecords(NO_RECORDS)
                            .setAbortedTransactions(List.of());
                    round.anyError = true;
                }
            }
            return round;
        }

        private List<FetchResponse.AbortedTransaction> aborted(Partition p, long from, long lso) {
            List<FetchResponse.AbortedTransaction> out = new ArrayList<>();
            if (lso <= from) {
                return out;
            }
            for (AbortedTransaction a : p.log().collectAbortedTransactions(from, lso)) {
                out.add(new FetchResponse.AbortedTransaction().setProducerId(a.producerId())
                        .setFirstOffset(a.firstOffset()));
            }
            return out;
        }

        private Message buildResponse(Round round) {
            FetchResponse resp = new FetchResponse();
            List<FileRecords> files = new ArrayList<>();
            LinkedHashMap<FetchKey, FetchSession.CachedPartition> newSession =
                    mode == Mode.NEW_SESSION ? new LinkedHashMap<>() : null;
            FetchResponse.FetchableTopicResponse current = null;
            FetchKey currentKey = null;
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                FetchResponse.PartitionData pd = round.data[i];
                FileRecords f = round.files[i];
                int recordBytes = f == null ? 0 : f.sizeInBytes();
                boolean include = true;
                if (mode == Mode.INCREMENTAL) {
                    FetchSession.CachedPartition c = session.get(it.key);
                    include = c == null || c.mustRespond(recordBytes, pd.errorCode(), pd.highWatermark(),
                            pd.lastStableOffset(), pd.logStartOffset());
                } else if (newSession != null) {
                    FetchSession.CachedPartition c = new FetchSession.CachedPartition(it.key, it.fetchOffset,
                            it.maxBytes);
                    c.mustRespond(recordBytes, pd.errorCode(), pd.highWatermark(), pd.lastStableOffset(),
                            pd.logStartOffset());
                    newSession.put(it.key, c);
                }
                if (!include) {
                    if (f != null) {
                        f.release();
                    }
                    continue;
                }
                if (f != null) {
                    files.add(f);
                }
                if (current == null || !sameTopic(currentKey, it.key)) {
                    current = new FetchResponse.FetchableTopicResponse();
                    if (it.key.topicId() != null) {
                        current.setTopicId(it.key.topicId());
                    } else {
                        current.setTopic(it.key.topic());
                    }
                    resp.responses().add(current);
                    currentKey = it.key;
                }
                current.partitions().add(pd);
            }
            int sessionId = 0;
            if (mode == Mode.INCREMENTAL) {
                sessionId = session.id();
            } else if (newSession != null) {
                FetchSession s = sessions.create(newSession);
                sessionId = s == null ? 0 : s.id();
            }
            resp.setSessionId(sessionId);
            return files.isEmpty() ? resp : new FetchResponseWithFiles(resp, files);
        }
    }

    private static boolean sameTopic(FetchKey a, FetchKey b) {
        return Objects.equals(a.topic(), b.topic()) && Objects.equals(a.topicId(), b.topicId());
    }
}
