package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.DecodeException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Reading snapshots at start-up and checking the log against the one loaded. Stateless. */
final class Snapshots {
    private static final Logger log = LoggerFactory.getLogger(Snapshots.class);

    private Snapshots() {
    }

    /** The snapshot {@code id} decoded, or null (with a warning) when its file is torn or corrupt. */
    static <T> Snapshot<T> read(RaftLog raftLog, SnapshotId id, RecordSerde<T> serde, ByteBufAllocator alloc,
                                String prefix) throws IOException {
        return read(raftLog, id, serde, alloc, prefix, v -> { });
    }

    /** {@link #read}, handing the snapshot's voter set (a dynamic quorum's) to {@code voters}. */
    static <T> Snapshot<T> read(RaftLog raftLog, SnapshotId id, RecordSerde<T> serde, ByteBufAllocator alloc,
                                String prefix, java.util.function.Consumer<VoterSet> voters) throws IOException {
        ByteBuf file = raftLog.readSnapshot(id);
        try {
            return SnapshotCodec.decode(id, file, serde, alloc, voters);
        } catch (DecodeException e) {
            log.warn("{}Skipping unreadable snapshot {}: {}", prefix, id.fileName(), e.getMessage());
            return null;
        } finally {
            file.release();
        }
    }

    /**
     * Checks the log against the snapshot loaded at start ({@code snapshot} may be null): a log that starts
     * after it (or after 0 without one) lost records, a storage error; a log that ends before it restarts at its
     * end.
     */
    static void checkLog(RaftLog raftLog, SnapshotId snapshot, String prefix) {
        if (snapshot == null) {
            if (raftLog.startOffset() > 0) {
                throw storageError(prefix, "The log starts at offset " + raftLog.startOffset()
                    + " and there is no readable snapshot before it");
            }
        } else if (raftLog.endOffset() < snapshot.endOffset()) {
            log.info("{}The log ends at {}, before snapshot {}: restarting it at the snapshot's end", prefix,
                raftLog.endOffset(), snapshot.fileName());
            raftLog.truncateFullyAndStartAt(snapshot.endOffset());
        } else if (raftLog.startOffset() > snapshot.endOffset()) {
            throw storageError(prefix, "The log starts at offset " + raftLog.startOffset()
                + ", after the end of snapshot " + snapshot.fileName());
        }
    }

    static SamsaException storageError(String prefix, String message) {
        log.error("{}{}", prefix, message);
        return new SamsaException(ErrorCode.KAFKA_STORAGE_ERROR, message);
    }
}
