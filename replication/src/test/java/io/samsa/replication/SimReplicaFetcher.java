package io.samsa.replication;

import io.netty.buffer.ByteBuf;
import io.samsa.common.SerialExecutor;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.record.RecordBatchView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The skeleton of a follower's replica fetcher, for the two-broker simulation: one loop per leader on the follower's
 * network executor. Each round sends one Fetch with the follower's replica id ({@code replica_id} before v15,
 * {@code replica_state} from v15, KIP-903) for every partition this broker follows from that leader, at the
 * partition's log end offset and current leader epoch, through the {@link BrokerChannel}; appends what comes back
 * with {@link io.samsa.log.Log#appendAsFollower} on each partition's shard (keeping the leader's offsets and
 * epochs), closes the response once every append is done, and starts the next round. A failed request (lost,
 * timed out, connection closed) is retried after a backoff.
 *
 * <p>What it leaves to issue 12: the follower's high watermark (it stays where the partition started), truncation
 * after a leader change or a leader's crash (OffsetsForLeaderEpoch, diverging epochs), the leader's log start
 * (retention and DeleteRecords on the leader), fetch sessions, one connection's worth of partitions per leader
 * across many topics, throttling. Not thread-safe: its network executor.
 */
final class SimReplicaFetcher {
    private final SimBroker broker;
    private final BrokerChannel channel;
    private final SerialExecutor io;
    private final int leaderId;
    private final short version;
    private final long backoffMs;
    long rounds;
    long failures;
    long batchesAppended;

    SimReplicaFetcher(SimBroker broker, BrokerChannel channel, SerialExecutor io, int leaderId, short version,
                      long backoffMs) {
        this.broker = broker;
        this.channel = channel;
        this.io = io;
        this.leaderId = leaderId;
        this.version = version;
        this.backoffMs = backoffMs;
    }

    void start() {
        io.execute(this::fetch);
    }

    /** One partition of a round: where it fetched from. */
    private static final class Followed {
        final Partition partition;
        final long fetchOffset;

        Followed(Partition partition, long fetchOffset) {
            this.partition = partition;
            this.fetchOffset = fetchOffset;
        }
    }

    private void fetch() {
        if (broker.dead()) {
            return;
        }
        Map<String, List<Followed>> byTopic = new LinkedHashMap<>();
        for (Partition p : broker.replicas.partitions()) {
            if (!p.isDeleted() && p.state().leader() == leaderId) {
                byTopic.computeIfAbsent(p.topic(), t -> new ArrayList<>()).add(new Followed(p, p.logEndOffset()));
            }
        }
        if (byTopic.isEmpty()) {
            io.schedule(this::fetch, backoffMs);
            return;
        }
        FetchRequest req = new FetchRequest().setMaxWaitMs(200).setMinBytes(1).setMaxBytes(1 << 20);
        if (version >= 15) {
            req.setReplicaState(new FetchRequest.ReplicaState().setReplicaId(broker.nodeId).setReplicaEpoch(-1));
        } else {
            req.setReplicaId(broker.nodeId);
        }
        for (List<Followed> ps : byTopic.values()) {
            Partition first = ps.get(0).partition;
            FetchRequest.FetchTopic t = new FetchRequest.FetchTopic();
            if (version >= 13) {
                t.setTopicId(first.topicId());
            } else {
                t.setTopic(first.topic());
            }
            for (Followed f : ps) {
                t.partitions().add(new FetchRequest.FetchPartition().setPartition(f.partition.index())
                        .setFetchOffset(f.fetchOffset).setCurrentLeaderEpoch(f.partition.leaderEpoch())
                        .setPartitionMaxBytes(32 * 1024));
            }
            req.topics().add(t);
        }
        rounds++;
        channel.send(leaderId, req, version).whenComplete((response, error) -> {
            if (error != null) {
                failures++;
                io.schedule(this::fetch, backoffMs);
            } else {
                append(byTopic, response);
            }
        });
    }

    /** On the network executor: hands each partition's records to its shard; the next round follows. */
    private void append(Map<String, List<Followed>> sent, BrokerResponse response) {
        if (broker.dead()) {
            response.close();
            return;
        }
        List<Append> appends = new ArrayList<>();
        for (FetchResponse.FetchableTopicResponse t : response.body(FetchResponse.class).responses()) {
            List<Followed> ps = sent.get(version >= 13 ? topicName(sent, t.topicId()) : t.topic());
            for (FetchResponse.PartitionData pd : t.partitions()) {
                Followed f = find(ps, pd.partitionIndex());
                ByteBuf records = ((ByteBufRecords) pd.records()).buffer();
                if (f != null && pd.errorCode() == 0 && records.isReadable()) {
                    appends.add(new Append(f, records));
                }
            }
        }
        broker.replicas.shards().scatter(new ShardProxy.Gather(io) {
            @Override
            protected void gathered() {
                response.close();
                if (broker.dead()) {
                    return;
                }
                for (Append a : appends) {
                    if (a.error() instanceof AssertionError e) {
                        throw e;
                    }
                    if (a.error() != null) {
                        throw new AssertionError(a.partition().name() + ": the follower could not append the "
                                + "leader's batches at " + a.fetchOffset, a.error());
                    }
                }
                fetch();
            }
        }, appends);
    }

    private static String topicName(Map<String, List<Followed>> sent, UUID id) {
        for (Map.Entry<String, List<Followed>> e : sent.entrySet()) {
            if (e.getValue().get(0).partition.topicId().equals(id)) {
                return e.getKey();
            }
        }
        return null;
    }

    private static Followed find(List<Followed> ps, int index) {
        if (ps != null) {
            for (Followed f : ps) {
                if (f.partition.index() == index) {
                    return f;
                }
            }
        }
        return null;
    }

    /** One partition's records, appended as the follower's on its shard. */
    private final class Append extends ShardProxy.Part {
        private final long fetchOffset;
        private final ByteBuf records;

        Append(Followed f, ByteBuf records) {
            super(f.partition);
            this.fetchOffset = f.fetchOffset;
            this.records = records;
        }

        @Override
        protected void runOnShard() {
            if (partition.logEndOffset() != fetchOffset) {
                throw new AssertionError(partition.name() + ": the follower's log end moved from " + fetchOffset
                        + " to " + partition.logEndOffset() + " during a fetch");
            }
            partition.log().appendAsFollower(records);
            RecordBatchView v = new RecordBatchView();
            for (int pos = records.readerIndex(); pos < records.writerIndex(); pos += v.sizeInBytes()) {
                v.wrap(records, pos);
                batchesAppended++;
            }
        }
    }
}
