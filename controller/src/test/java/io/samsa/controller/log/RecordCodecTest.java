package io.samsa.controller.log;

import io.samsa.controller.ConfigResource;
import io.samsa.controller.Endpoint;
import io.samsa.controller.MetadataRecord;
import io.samsa.wire.DecodeException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

class RecordCodecTest {
    private static final UUID ID = new UUID(0x1234_5678_9abc_def0L, 0x0fed_cba9_8765_4321L);

    static List<MetadataRecord> samples() {
        return List.of(
            new MetadataRecord.RegisterBroker(1, 42, ID, "rack-a",
                List.of(new Endpoint("PLAINTEXT", "localhost", 9092, "PLAINTEXT"),
                    new Endpoint("SSL", "héllo.example", 9093, "SSL"))),
            new MetadataRecord.RegisterBroker(2, 0, ID, null, List.of()),
            new MetadataRecord.Topic("orders", ID),
            new MetadataRecord.Partition(ID, 3, List.of(1, 2, 3), List.of(1, 2), 1, 7, 9),
            new MetadataRecord.PartitionChange(ID, 3, MetadataRecord.PartitionChange.NO_LEADER_CHANGE, null, null),
            new MetadataRecord.PartitionChange(ID, 0, 2, List.of(2), List.of(2, 1)),
            new MetadataRecord.RemoveTopic(ID),
            new MetadataRecord.Config(ConfigResource.Type.TOPIC, "orders", "retention.ms", "1000"),
            new MetadataRecord.Config(ConfigResource.Type.BROKER, "", "log.retention.ms", null),
            new MetadataRecord.ClusterId("MkU3OEVBNTcwNTJENDM2Qk"),
            new MetadataRecord.FeatureLevel("metadata.version", (short) 25));
    }

    private static byte[] encode(MetadataRecord r) {
        ByteWriter w = new ByteWriter(8);
        RecordCodec.encode(r, w);
        return w.toByteArray();
    }

    @Test
    void everyRecordTypeRoundTrips() {
        for (MetadataRecord r : samples()) {
            assertEquals(r, RecordCodec.decode(ByteBuffer.wrap(encode(r))));
        }
    }

    @Test
    void topicRecordHasTheDocumentedLayout() {
        byte[] bytes = encode(new MetadataRecord.Topic("ab", ID));
        // type 2, version 0, varint length+1 = 3, 'a', 'b', then the 16 id bytes
        assertEquals(2 + 2 + 1 + 2 + 16, bytes.length);
        assertEquals(List.of((byte) 0, (byte) 2, (byte) 0, (byte) 0, (byte) 3, (byte) 'a', (byte) 'b'),
            List.of(bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6]));
        assertEquals((byte) 0x12, bytes[7]);
    }

    @Test
    void everyTruncationIsADecodeError() {
        for (MetadataRecord r : samples()) {
            byte[] bytes = encode(r);
            for (int len = 0; len < bytes.length; len++) {
                byte[] cut = Arrays.copyOf(bytes, len);
                assertThrows(DecodeException.class, () -> RecordCodec.decode(ByteBuffer.wrap(cut)),
                    "truncated to " + len + " of " + r);
            }
        }
    }

    @Test
    void trailingBytesUnknownTypesAndNewerVersionsAreRefused() {
        byte[] topic = encode(new MetadataRecord.Topic("t", ID));
        byte[] longer = Arrays.copyOf(topic, topic.length + 1);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(ByteBuffer.wrap(longer)));
        byte[] unknownType = topic.clone();
        unknownType[1] = 99;
        assertThrows(DecodeException.class, () -> RecordCodec.decode(ByteBuffer.wrap(unknownType)));
        byte[] newer = topic.clone();
        newer[3] = 1;
        assertThrows(DecodeException.class, () -> RecordCodec.decode(ByteBuffer.wrap(newer)));
    }

    @Test
    void hugeClaimedLengthsDoNotAllocate() {
        // Partition record whose replica list claims 2^28 elements with 4 bytes behind it.
        ByteWriter w = new ByteWriter(32);
        w.writeShort(RecordCodec.PARTITION).writeShort(0).writeUuid(ID).writeInt(0)
            .writeUnsignedVarint(1 << 28).writeInt(1);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(w.buffer()));
        ByteWriter s = new ByteWriter(32);
        s.writeShort(RecordCodec.CLUSTER_ID).writeShort(0).writeUnsignedVarint(Integer.MAX_VALUE);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(s.buffer()));
        ByteWriter v = new ByteWriter(32);
        v.writeShort(RecordCodec.CLUSTER_ID).writeShort(0).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}, 0, 6);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(v.buffer()));
    }

    @Test
    void invalidUtf8IsADecodeError() {
        ByteWriter w = new ByteWriter(16);
        w.writeShort(RecordCodec.CLUSTER_ID).writeShort(0).writeUnsignedVarint(3).writeByte(0xc3).writeByte(0x28);
        assertThrows(DecodeException.class, () -> RecordCodec.decode(w.buffer()));
    }

    @Test
    void randomGarbageAndMutationsOnlyEverGiveDecodeErrors() {
        Random random = new Random(20261122L);
        List<MetadataRecord> samples = samples();
        for (int i = 0; i < 50_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                if (bytes.length >= 4) {
                    bytes[0] = 0;
                    bytes[1] = (byte) (1 + random.nextInt(8));
                    bytes[2] = 0;
                    bytes[3] = 0;
                }
            } else {
                bytes = encode(samples.get(random.nextInt(samples.size())));
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            try {
                RecordCodec.decode(ByteBuffer.wrap(bytes));
            } catch (DecodeException expected) {
                // the only acceptable failure
            } catch (RuntimeException e) {
                fail("Iteration " + i + " threw " + e + " for " + Arrays.toString(bytes));
            }
        }
    }

    @Test
    void entryFrameRoundTripsAndDetectsCorruption() {
        List<MetadataRecord> records = samples();
        ByteWriter entry = EntryFormat.encode(10, 3, 1234L, records);
        LogEntry decoded = EntryFormat.decode(ByteBuffer.wrap(entry.toByteArray()));
        assertEquals(new LogEntry(10, 3, 1234L, records), decoded);
        assertEquals(10 + records.size() - 1, decoded.lastOffset());
        byte[] bytes = entry.toByteArray();
        for (int i = 4; i < bytes.length; i++) {
            byte[] corrupt = bytes.clone();
            corrupt[i] ^= 0x01;
            assertThrows(DecodeException.class, () -> EntryFormat.decode(ByteBuffer.wrap(corrupt)), "byte " + i);
        }
    }
}
