package io.samsa.controller.log;

import io.samsa.controller.ConfigResource;
import io.samsa.controller.Endpoint;
import io.samsa.controller.MetadataRecord;
import io.samsa.controller.MetadataRecord.ClusterId;
import io.samsa.controller.MetadataRecord.Config;
import io.samsa.controller.MetadataRecord.FeatureLevel;
import io.samsa.controller.MetadataRecord.Partition;
import io.samsa.controller.MetadataRecord.PartitionChange;
import io.samsa.controller.MetadataRecord.RegisterBroker;
import io.samsa.controller.MetadataRecord.RemoveTopic;
import io.samsa.controller.MetadataRecord.Topic;
import io.samsa.wire.DecodeException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary encoding of one {@link MetadataRecord}. Stateless and thread-safe.
 *
 * <pre>
 *   int16  type id      (1 RegisterBroker, 2 Topic, 3 Partition, 4 PartitionChange,
 *                        5 RemoveTopic, 6 Config, 7 ClusterId, 8 FeatureLevel)
 *   int16  version      (0 for every type today; bumped when a field is added)
 *   ...    fields       (int32/int64 big-endian, UUID as two int64, strings and int lists
 *                        prefixed by an unsigned varint of length + 1, where 0 means null)
 * </pre>
 *
 * A record occupies exactly the bytes handed to {@link #decode}: trailing bytes, a truncated
 * field, an unknown type, a version newer than this code, or invalid UTF-8 throw
 * {@link DecodeException}.
 */
public final class RecordCodec {
    public static final short REGISTER_BROKER = 1;
    public static final short TOPIC = 2;
    public static final short PARTITION = 3;
    public static final short PARTITION_CHANGE = 4;
    public static final short REMOVE_TOPIC = 5;
    public static final short CONFIG = 6;
    public static final short CLUSTER_ID = 7;
    public static final short FEATURE_LEVEL = 8;

    /** The highest version of each type this code reads and the version it writes. */
    private static final short CURRENT_VERSION = 0;

    private RecordCodec() {
    }

    /** Appends the encoding of {@code record} to {@code out}. */
    public static void encode(MetadataRecord record, ByteWriter out) {
        if (record instanceof RegisterBroker r) {
            header(out, REGISTER_BROKER);
            out.writeInt(r.nodeId()).writeLong(r.brokerEpoch()).writeUuid(r.incarnationId())
                .writeNullableString(r.rack()).writeUnsignedVarint(r.listeners().size());
            for (Endpoint e : r.listeners()) {
                out.writeNullableString(e.name()).writeNullableString(e.host()).writeInt(e.port())
                    .writeNullableString(e.securityProtocol());
            }
        } else if (record instanceof Topic r) {
            header(out, TOPIC);
            out.writeNullableString(r.name()).writeUuid(r.topicId());
        } else if (record instanceof Partition r) {
            header(out, PARTITION);
            out.writeUuid(r.topicId()).writeInt(r.partition()).writeNullableIntList(r.replicas())
                .writeNullableIntList(r.isr()).writeInt(r.leader()).writeInt(r.leaderEpoch())
                .writeInt(r.partitionEpoch());
        } else if (record instanceof PartitionChange r) {
            header(out, PARTITION_CHANGE);
            out.writeUuid(r.topicId()).writeInt(r.partition()).writeInt(r.leader())
                .writeNullableIntList(r.isr()).writeNullableIntList(r.replicas());
        } else if (record instanceof RemoveTopic r) {
            header(out, REMOVE_TOPIC);
            out.writeUuid(r.topicId());
        } else if (record instanceof Config r) {
            header(out, CONFIG);
            out.writeByte(r.resourceType().id()).writeNullableString(r.resourceName())
                .writeNullableString(r.key()).writeNullableString(r.value());
        } else if (record instanceof ClusterId r) {
            header(out, CLUSTER_ID);
            out.writeNullableString(r.clusterId());
        } else if (record instanceof FeatureLevel r) {
            header(out, FEATURE_LEVEL);
            out.writeNullableString(r.name()).writeShort(r.level());
        } else {
            throw new IllegalArgumentException("Unknown record " + record);
        }
    }

    private static void header(ByteWriter out, short type) {
        out.writeShort(type).writeShort(CURRENT_VERSION);
    }

    /** Decodes one record that occupies all of {@code buf}'s remaining bytes. */
    public static MetadataRecord decode(ByteBuffer buf) {
        ByteReader in = new ByteReader(buf);
        short type = in.readShort("record type");
        short version = in.readShort("record version");
        if (version < 0 || version > CURRENT_VERSION) {
            throw new DecodeException("Unsupported version " + version + " of metadata record type " + type);
        }
        MetadataRecord record = switch (type) {
            case REGISTER_BROKER -> readRegisterBroker(in);
            case TOPIC -> new Topic(in.readString("topic name"), in.readUuid("topic id"));
            case PARTITION -> new Partition(in.readUuid("topic id"), in.readInt("partition"),
                in.readIntList("replicas"), in.readIntList("isr"), in.readInt("leader"),
                in.readInt("leader epoch"), in.readInt("partition epoch"));
            case PARTITION_CHANGE -> new PartitionChange(in.readUuid("topic id"), in.readInt("partition"),
                in.readInt("leader"), in.readNullableIntList("isr"), in.readNullableIntList("replicas"));
            case REMOVE_TOPIC -> new RemoveTopic(in.readUuid("topic id"));
            case CONFIG -> readConfig(in);
            case CLUSTER_ID -> new ClusterId(in.readString("cluster id"));
            case FEATURE_LEVEL -> new FeatureLevel(in.readString("feature name"), in.readShort("feature level"));
            default -> throw new DecodeException("Unknown metadata record type " + type);
        };
        if (in.remaining() != 0) {
            throw new DecodeException(in.remaining() + " trailing byte(s) after metadata record type " + type);
        }
        return record;
    }

    private static RegisterBroker readRegisterBroker(ByteReader in) {
        int nodeId = in.readInt("node id");
        long brokerEpoch = in.readLong("broker epoch");
        var incarnation = in.readUuid("incarnation id");
        String rack = in.readNullableString("rack");
        int count = in.readCount("listeners", 7);
        List<Endpoint> listeners = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            listeners.add(new Endpoint(in.readString("listener name"), in.readString("listener host"),
                in.readInt("listener port"), in.readString("security protocol")));
        }
        return new RegisterBroker(nodeId, brokerEpoch, incarnation, rack, listeners);
    }

    private static Config readConfig(ByteReader in) {
        byte typeId = in.readByte("config resource type");
        ConfigResource.Type type = ConfigResource.Type.forId(typeId);
        if (type == null) {
            throw new DecodeException("Unknown config resource type " + typeId);
        }
        return new Config(type, in.readString("config resource name"), in.readString("config key"),
            in.readNullableString("config value"));
    }
}
