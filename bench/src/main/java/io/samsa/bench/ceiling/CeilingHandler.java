package io.samsa.bench.ceiling;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.FindCoordinatorResponse;
import io.samsa.wire.message.HeartbeatResponse;
import io.samsa.wire.message.InitProducerIdResponse;
import io.samsa.wire.message.JoinGroupRequest;
import io.samsa.wire.message.JoinGroupResponse;
import io.samsa.wire.message.LeaveGroupResponse;
import io.samsa.wire.message.ListOffsetsRequest;
import io.samsa.wire.message.ListOffsetsResponse;
import io.samsa.wire.message.MetadataRequest;
import io.samsa.wire.message.MetadataResponse;
import io.samsa.wire.message.OffsetCommitRequest;
import io.samsa.wire.message.OffsetCommitResponse;
import io.samsa.wire.message.OffsetFetchRequest;
import io.samsa.wire.message.OffsetFetchResponse;
import io.samsa.wire.message.ProduceRequest;
import io.samsa.wire.message.ProduceResponse;
import io.samsa.wire.message.ResponseHeader;
import io.samsa.wire.message.SyncGroupRequest;
import io.samsa.wire.message.SyncGroupResponse;
import io.samsa.wire.protocol.ByteBufRecords;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ParsedRequestHeader;
import io.samsa.wire.protocol.Records;
import io.samsa.wire.protocol.RequestHeaderParser;
import io.samsa.wire.record.RecordBatchView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection of the do-nothing broker: decodes each request frame with Samsa's generated codecs and
 * answers at once. Produce is decoded (batch headers read for the record count) and acknowledged without
 * storing; Fetch is served from the {@link FetchChunk}; Metadata, ApiVersions, CreateTopics, ListOffsets,
 * InitProducerId and a one-member classic consumer group are answered just well enough for the official
 * producer and consumer to run. Nothing is checked, nothing is stored: the figures it allows are the
 * client's and the network's ceiling, not a broker's.
 *
 * <p>Not sharable: one per channel, called on its event loop; owns nothing but the frames it releases.
 */
final class CeilingHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(CeilingHandler.class);
    static final int NODE_ID = 1;
    private static final AtomicLong PRODUCER_IDS = new AtomicLong(1000);
    private static final AtomicLong MEMBER_IDS = new AtomicLong();

    /** The APIs answered, with the version range advertised (within Kafka 4's minimums). */
    private static final short[][] APIS = {
        {ApiMessageType.PRODUCE.id(), 3, 12},
        {ApiMessageType.FETCH.id(), 4, 12},
        {ApiMessageType.LIST_OFFSETS.id(), 1, 7},
        {ApiMessageType.METADATA.id(), 0, 12},
        {ApiMessageType.OFFSET_COMMIT.id(), 2, 8},
        {ApiMessageType.OFFSET_FETCH.id(), 1, 7},
        {ApiMessageType.FIND_COORDINATOR.id(), 0, 3},
        {ApiMessageType.JOIN_GROUP.id(), 2, 7},
        {ApiMessageType.HEARTBEAT.id(), 0, 4},
        {ApiMessageType.LEAVE_GROUP.id(), 0, 4},
        {ApiMessageType.SYNC_GROUP.id(), 0, 5},
        {ApiMessageType.API_VERSIONS.id(), 0, 4},
        {ApiMessageType.CREATE_TOPICS.id(), 2, 7},
        {ApiMessageType.INIT_PRODUCER_ID.id(), 0, 4},
    };

    private final CeilingTopics topics;
    private final FetchChunk chunk;
    private final String host;
    private final int port;
    private final RecordBatchView view = new RecordBatchView();
    /** The last SyncGroup assignment a leader sent, returned to it (the group has one member). */
    private byte[] assignment = new byte[0];

    CeilingHandler(CeilingTopics topics, FetchChunk chunk, String host, int port) {
        this.topics = topics;
        this.chunk = chunk;
        this.host = host;
        this.port = port;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            ParsedRequestHeader h = RequestHeaderParser.parse(frame);
            Message request = h.api().newRequest();
            request.read(frame, h.apiVersion());
            handle(ctx, h, request);
        } catch (RuntimeException e) {
            log.warn("Closing {}: {}", ctx.channel().remoteAddress(), e.toString());
            ctx.close();
        } finally {
            frame.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Connection error: {}", cause.toString());
        ctx.close();
    }

    private void handle(ChannelHandlerContext ctx, ParsedRequestHeader h, Message request) {
        short v = h.apiVersion();
        switch (h.api()) {
            case PRODUCE -> {
                ProduceRequest r = (ProduceRequest) request;
                ProduceResponse resp = produce(r);
                if (r.acks() != 0) {
                    send(ctx, h, resp);
                }
            }
            case FETCH -> sendFetch(ctx, h, (FetchRequest) request);
            case METADATA -> send(ctx, h, metadata((MetadataRequest) request));
            case API_VERSIONS -> send(ctx, h, apiVersions());
            case CREATE_TOPICS -> send(ctx, h, createTopics((CreateTopicsRequest) request));
            case INIT_PRODUCER_ID -> send(ctx, h, new InitProducerIdResponse()
                    .setProducerId(PRODUCER_IDS.incrementAndGet()).setProducerEpoch((short) 0));
            case LIST_OFFSETS -> send(ctx, h, listOffsets((ListOffsetsRequest) request));
            case FIND_COORDINATOR -> send(ctx, h, findCoordinator((FindCoordinatorRequest) request, v));
            case JOIN_GROUP -> send(ctx, h, joinGroup((JoinGroupRequest) request));
            case SYNC_GROUP -> {
                SyncGroupRequest r = (SyncGroupRequest) request;
                if (!r.assignments().isEmpty()) {
                    assignment = r.assignments().get(0).assignment();
                }
                send(ctx, h, new SyncGroupResponse().setProtocolType(r.protocolType())
                        .setProtocolName(r.protocolName()).setAssignment(assignment));
            }
            case HEARTBEAT -> send(ctx, h, new HeartbeatResponse());
            case LEAVE_GROUP -> send(ctx, h, new LeaveGroupResponse());
            case OFFSET_FETCH -> send(ctx, h, offsetFetch((OffsetFetchRequest) request));
            case OFFSET_COMMIT -> send(ctx, h, offsetCommit((OffsetCommitRequest) request));
            default -> {
                log.warn("Closing {}: {} is not answered", ctx.channel().remoteAddress(), h.api().apiName());
                ctx.close();
            }
        }
    }

    private static ApiVersionsResponse apiVersions() {
        List<ApiVersionsResponse.ApiVersion> keys = new ArrayList<>(APIS.length);
        for (short[] a : APIS) {
            keys.add(new ApiVersionsResponse.ApiVersion().setApiKey(a[0]).setMinVersion(a[1]).setMaxVersion(a[2]));
        }
        return new ApiVersionsResponse().setApiKeys(keys);
    }

    private ProduceResponse produce(ProduceRequest r) {
        List<ProduceResponse.TopicProduceResponse> out = new ArrayList<>(r.topicData().size());
        for (ProduceRequest.TopicProduceData td : r.topicData()) {
            CeilingTopics.Topic t = topics.getOrCreate(td.name(), 0);
            List<ProduceResponse.PartitionProduceResponse> parts = new ArrayList<>(td.partitionData().size());
            for (ProduceRequest.PartitionProduceData pd : td.partitionData()) {
                int records = 0;
                ByteBuf b = ((ByteBufRecords) pd.records()).buffer();
                for (int pos = b.readerIndex(); pos + RecordBatchView.HEADER_SIZE <= b.writerIndex();
                        pos += view.sizeInBytes()) {
                    view.wrap(b, pos);
                    records += view.recordCount();
                }
                long base = topics.append(t, pd.index(), records);
                parts.add(new ProduceResponse.PartitionProduceResponse().setIndex(pd.index()).setBaseOffset(base)
                        .setLogAppendTimeMs(-1).setLogStartOffset(0)
                        .setErrorCode((short) (base < 0 ? 3 : 0)));
            }
            out.add(new ProduceResponse.TopicProduceResponse().setName(td.name()).setPartitionResponses(parts));
        }
        return new ProduceResponse().setResponses(out);
    }

    /** Stands for a records field whose bytes are spliced in after the framing is written. */
    private static final class SplicedRecords implements Records {
        final ByteBuf bytes;
        int at = -1;

        SplicedRecords(ByteBuf bytes) {
            this.bytes = bytes;
        }

        @Override
        public int sizeInBytes() {
            return bytes.readableBytes();
        }

        @Override
        public void writeTo(ByteBuf out) {
            at = out.writerIndex();
        }
    }

    private void sendFetch(ChannelHandlerContext ctx, ParsedRequestHeader h, FetchRequest r) {
        ByteBufAllocator alloc = ctx.alloc();
        List<SplicedRecords> spliced = new ArrayList<>();
        List<FetchResponse.FetchableTopicResponse> out = new ArrayList<>(r.topics().size());
        int budget = r.maxBytes() > 0 ? r.maxBytes() : Integer.MAX_VALUE;
        for (FetchRequest.FetchTopic ft : r.topics()) {
            List<FetchResponse.PartitionData> parts = new ArrayList<>(ft.partitions().size());
            for (FetchRequest.FetchPartition fp : ft.partitions()) {
                FetchResponse.PartitionData pd = new FetchResponse.PartitionData().setPartitionIndex(fp.partition())
                        .setLogStartOffset(0);
                int size = budget > 0 ? chunk.sizeFor(Math.min(budget, fp.partitionMaxBytes())) : 0;
                long next = fp.fetchOffset();
                if (size > 0) {
                    SplicedRecords s = new SplicedRecords(chunk.slice(alloc, fp.fetchOffset(), size));
                    spliced.add(s);
                    pd.setRecords(s);
                    budget -= size;
                    next += (long) (size / chunk.batchSize()) * chunk.recordsPerBatch();
                } else {
                    pd.setRecords(new ByteBufRecords(Unpooled.EMPTY_BUFFER));
                }
                parts.add(pd.setHighWatermark(next).setLastStableOffset(next));
            }
            out.add(new FetchResponse.FetchableTopicResponse().setTopic(ft.topic()).setPartitions(parts));
        }
        FetchResponse resp = new FetchResponse().setResponses(out);
        ByteBuf framing = encode(alloc, h, resp);
        if (spliced.isEmpty()) {
            ctx.writeAndFlush(framing);
            return;
        }
        CompositeByteBuf whole = alloc.compositeDirectBuffer(2 * spliced.size() + 1);
        int from = 0;
        for (SplicedRecords s : spliced) {
            whole.addComponent(true, framing.retainedSlice(from, s.at - from));
            whole.addComponent(true, s.bytes);
            from = s.at;
        }
        whole.addComponent(true, framing.retainedSlice(from, framing.writerIndex() - from));
        framing.release();
        ctx.writeAndFlush(whole);
    }

    private MetadataResponse metadata(MetadataRequest r) {
        List<MetadataResponse.MetadataResponseTopic> out = new ArrayList<>();
        if (r.topics() == null) {
            for (CeilingTopics.Topic t : topics.all()) {
                out.add(topicMetadata(t));
            }
        } else {
            for (MetadataRequest.MetadataRequestTopic rt : r.topics()) {
                out.add(topicMetadata(topics.getOrCreate(rt.name(), 0)));
            }
        }
        List<MetadataResponse.MetadataResponseBroker> brokers = new ArrayList<>(1);
        brokers.add(new MetadataResponse.MetadataResponseBroker().setNodeId(NODE_ID).setHost(host).setPort(port));
        return new MetadataResponse().setBrokers(brokers).setClusterId("samsa-ceiling").setControllerId(NODE_ID)
                .setTopics(out);
    }

    private static MetadataResponse.MetadataResponseTopic topicMetadata(CeilingTopics.Topic t) {
        List<MetadataResponse.MetadataResponsePartition> parts = new ArrayList<>(t.partitions());
        List<Integer> replicas = List.of(NODE_ID);
        for (int p = 0; p < t.partitions(); p++) {
            parts.add(new MetadataResponse.MetadataResponsePartition().setPartitionIndex(p).setLeaderId(NODE_ID)
                    .setLeaderEpoch(0).setReplicaNodes(replicas).setIsrNodes(replicas).setOfflineReplicas(List.of()));
        }
        return new MetadataResponse.MetadataResponseTopic().setName(t.name()).setTopicId(t.id()).setPartitions(parts);
    }

    private CreateTopicsResponse createTopics(CreateTopicsRequest r) {
        List<CreateTopicsResponse.CreatableTopicResult> out = new ArrayList<>();
        for (CreateTopicsRequest.CreatableTopic ct : r.topics()) {
            boolean existed = topics.exists(ct.name());
            CeilingTopics.Topic t = topics.getOrCreate(ct.name(), ct.numPartitions());
            out.add(new CreateTopicsResponse.CreatableTopicResult().setName(ct.name()).setTopicId(t.id())
                    .setErrorCode((short) (existed ? 36 : 0)).setNumPartitions(t.partitions())
                    .setReplicationFactor((short) 1));
        }
        return new CreateTopicsResponse().setTopics(out);
    }

    private ListOffsetsResponse listOffsets(ListOffsetsRequest r) {
        List<ListOffsetsResponse.ListOffsetsTopicResponse> out = new ArrayList<>();
        for (ListOffsetsRequest.ListOffsetsTopic lt : r.topics()) {
            CeilingTopics.Topic t = topics.getOrCreate(lt.name(), 0);
            List<ListOffsetsResponse.ListOffsetsPartitionResponse> parts = new ArrayList<>();
            for (ListOffsetsRequest.ListOffsetsPartition lp : lt.partitions()) {
                int p = lp.partitionIndex();
                long offset = lp.timestamp() == -1 && p < t.partitions() ? t.nextOffsets().get(p) : 0;
                parts.add(new ListOffsetsResponse.ListOffsetsPartitionResponse().setPartitionIndex(p)
                        .setOffset(offset).setTimestamp(-1).setLeaderEpoch(0));
            }
            out.add(new ListOffsetsResponse.ListOffsetsTopicResponse().setName(lt.name()).setPartitions(parts));
        }
        return new ListOffsetsResponse().setTopics(out);
    }

    private FindCoordinatorResponse findCoordinator(FindCoordinatorRequest r, short version) {
        FindCoordinatorResponse resp = new FindCoordinatorResponse().setNodeId(NODE_ID).setHost(host).setPort(port);
        if (version >= 4) {
            List<FindCoordinatorResponse.Coordinator> cs = new ArrayList<>();
            for (String key : r.coordinatorKeys()) {
                cs.add(new FindCoordinatorResponse.Coordinator().setKey(key).setNodeId(NODE_ID).setHost(host)
                        .setPort(port));
            }
            resp.setCoordinators(cs);
        }
        return resp;
    }

    private static JoinGroupResponse joinGroup(JoinGroupRequest r) {
        String memberId = r.memberId() == null || r.memberId().isEmpty()
                ? "ceiling-member-" + MEMBER_IDS.incrementAndGet() : r.memberId();
        JoinGroupRequest.JoinGroupRequestProtocol p = r.protocols().get(0);
        List<JoinGroupResponse.JoinGroupResponseMember> members = new ArrayList<>(1);
        members.add(new JoinGroupResponse.JoinGroupResponseMember().setMemberId(memberId).setMetadata(p.metadata()));
        return new JoinGroupResponse().setGenerationId(1).setProtocolType(r.protocolType()).setProtocolName(p.name())
                .setLeader(memberId).setMemberId(memberId).setMembers(members);
    }

    private static OffsetFetchResponse offsetFetch(OffsetFetchRequest r) {
        List<OffsetFetchResponse.OffsetFetchResponseTopic> out = new ArrayList<>();
        if (r.topics() != null) {
            for (OffsetFetchRequest.OffsetFetchRequestTopic t : r.topics()) {
                List<OffsetFetchResponse.OffsetFetchResponsePartition> parts = new ArrayList<>();
                for (int p : t.partitionIndexes()) {
                    parts.add(new OffsetFetchResponse.OffsetFetchResponsePartition().setPartitionIndex(p)
                            .setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata(""));
                }
                out.add(new OffsetFetchResponse.OffsetFetchResponseTopic().setName(t.name()).setPartitions(parts));
            }
        }
        return new OffsetFetchResponse().setTopics(out);
    }

    private static OffsetCommitResponse offsetCommit(OffsetCommitRequest r) {
        List<OffsetCommitResponse.OffsetCommitResponseTopic> out = new ArrayList<>();
        for (OffsetCommitRequest.OffsetCommitRequestTopic t : r.topics()) {
            List<OffsetCommitResponse.OffsetCommitResponsePartition> parts = new ArrayList<>();
            for (OffsetCommitRequest.OffsetCommitRequestPartition p : t.partitions()) {
                parts.add(new OffsetCommitResponse.OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()));
            }
            out.add(new OffsetCommitResponse.OffsetCommitResponseTopic().setName(t.name()).setPartitions(parts));
        }
        return new OffsetCommitResponse().setTopics(out);
    }

    private static void send(ChannelHandlerContext ctx, ParsedRequestHeader h, Message response) {
        ctx.writeAndFlush(encode(ctx.alloc(), h, response));
    }

    /** Size prefix, response header, body, in one buffer (records fields of spliced kind write nothing). */
    private static ByteBuf encode(ByteBufAllocator alloc, ParsedRequestHeader h, Message response) {
        short v = h.apiVersion();
        short hv = h.api().responseHeaderVersion(v);
        ResponseHeader header = new ResponseHeader().setCorrelationId(h.correlationId());
        int size = header.size(hv) + response.size(v);
        ByteBuf buf = alloc.directBuffer(4 + size);
        buf.writeInt(size);
        header.write(buf, hv);
        response.write(buf, v);
        return buf;
    }
}
