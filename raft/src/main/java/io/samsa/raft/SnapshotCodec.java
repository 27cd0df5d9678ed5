package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.DecodeException;
import io.samsa.wire.message.KRaftVersionRecord;
import io.samsa.wire.message.SnapshotFooterRecord;
import io.samsa.wire.message.SnapshotHeaderRecord;
import io.samsa.wire.message.VotersRecord;
import io.samsa.wire.record.ControlRecordType;
import io.samsa.wire.record.RecordBatchView;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The bytes of a snapshot file, as KRaft writes them (KIP-630): record batches, every one carrying the
 * snapshot's epoch, with offsets counted from 0 inside the file:
 *
 * <pre>
 *   control batch   one SnapshotHeaderRecord (control type 3): version 0, the last contained record's time
 *   control batches a dynamic quorum's KRaftVersionRecord (type 5, kraft.version 1) and VotersRecord (type 6):
 *                   the voter set as of the snapshot's end (KIP-853); none for a static quorum
 *   data batches    the records, at most {@value #RECORDS_PER_BATCH} per batch
 *   control batch   one SnapshotFooterRecord (control type 4): version 0
 * </pre>
 *
 * A file is whole only when every batch passes its CRC check and the footer closes it. Stateless and
 * thread-safe; buffers returned belong to the caller.
 */
final class SnapshotCodec {
    static final int RECORDS_PER_BATCH = 1000;

    private SnapshotCodec() {
    }

    static <T> ByteBuf encode(ByteBufAllocator alloc, Snapshot<T> snapshot, RecordSerde<T> serde, long now) {
        return encode(alloc, snapshot, serde, now, null);
    }

    /** The snapshot's file, with the voter set {@code voters} when it is not null (a dynamic quorum). */
    static <T> ByteBuf encode(ByteBufAllocator alloc, Snapshot<T> snapshot, RecordSerde<T> serde, long now,
                              VoterSet voters) {
        int epoch = snapshot.id().epoch();
        ByteBuf out = alloc.heapBuffer();
        try {
            long offset = 0;
            append(out, BatchCodec.encodeControl(alloc, offset++, epoch, now, ControlRecordType.SNAPSHOT_HEADER,
                new SnapshotHeaderRecord().setVersion((short) 0)
                    .setLastContainedLogTimestamp(snapshot.lastContainedTimestamp())));
            if (voters != null) {
                append(out, BatchCodec.encodeControl(alloc, offset++, epoch, now, ControlRecordType.KRAFT_VERSION,
                    new KRaftVersionRecord().setVersion((short) 0).setKRaftVersion((short) 1)));
                append(out, BatchCodec.encodeControl(alloc, offset++, epoch, now, ControlRecordType.KRAFT_VOTERS,
                    voters.toRecord()));
            }
            List<T> records = snapshot.records();
            for (int i = 0; i < records.size(); i += RECORDS_PER_BATCH) {
                List<T> chunk = records.subList(i, Math.min(records.size(), i + RECORDS_PER_BATCH));
                append(out, BatchCodec.encode(alloc, offset, epoch, now, chunk, serde));
                offset += chunk.size();
            }
            append(out, BatchCodec.encodeControl(alloc, offset, epoch, now, ControlRecordType.SNAPSHOT_FOOTER,
                new SnapshotFooterRecord().setVersion((short) 0)));
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static void append(ByteBuf out, ByteBuf batch) {
        try {
            out.writeBytes(batch);
        } finally {
            batch.release();
        }
    }

    /**
     * Reads the snapshot {@code id} from its file's bytes. Borrows {@code file}.
     *
     * @throws DecodeException when the file is torn, corrupt, or not laid out as above
     */
    static <T> Snapshot<T> decode(SnapshotId id, ByteBuf file, RecordSerde<T> serde, ByteBufAllocator alloc) {
        return decode(id, file, serde, alloc, v -> { });
    }

    /** {@link #decode}, handing the snapshot's voter set (when it has one) to {@code voters}. */
    static <T> Snapshot<T> decode(SnapshotId id, ByteBuf file, RecordSerde<T> serde, ByteBufAllocator alloc,
                                  Consumer<VoterSet> voters) {
        RecordBatchView view = new RecordBatchView();
        int end = file.writerIndex();
        int pos = file.readerIndex();
        SnapshotHeaderRecord header = null;
        boolean footer = false;
        List<T> records = new ArrayList<>();
        while (pos < end) {
            if (footer) {
                throw new DecodeException("Snapshot " + id.fileName() + " has bytes after its footer");
            }
            view.wrap(file, pos);
            view.validate(end - pos);
            if (view.partitionLeaderEpoch() != id.epoch()) {
                throw new DecodeException("Snapshot " + id.fileName() + " holds a batch of epoch "
                    + view.partitionLeaderEpoch());
            }
            if (header == null) {
                header = new SnapshotHeaderRecord();
                BatchCodec.decodeControl(view, ControlRecordType.SNAPSHOT_HEADER, header, alloc);
            } else if (view.isControl()) {
                ControlRecordType type = BatchCodec.controlType(view, alloc);
                if (type == ControlRecordType.KRAFT_VOTERS) {
                    VotersRecord record = new VotersRecord();
                    BatchCodec.decodeControl(view, type, record, alloc);
                    voters.accept(VoterSet.fromRecord(record));
                } else if (type == ControlRecordType.KRAFT_VERSION) {
                    BatchCodec.decodeControl(view, type, new KRaftVersionRecord(), alloc);
                } else {
                    BatchCodec.decodeControl(view, ControlRecordType.SNAPSHOT_FOOTER, new SnapshotFooterRecord(),
                        alloc);
                    footer = true;
                }
            } else {
                records.addAll(BatchCodec.decode(view, serde, alloc).records());
            }
            pos += view.sizeInBytes();
        }
        if (!footer) {
            throw new DecodeException("Snapshot " + id.fileName() + " has no footer: it is incomplete");
        }
        return new Snapshot<>(id, header.lastContainedLogTimestamp(), records);
    }
}
