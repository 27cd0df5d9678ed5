package io.samsa.raft;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.samsa.wire.message.VotersRecord;
import io.samsa.wire.record.ControlRecordType;
import io.samsa.wire.record.RecordBatchView;

import java.util.Map;
import java.util.TreeMap;

/**
 * The voter sets of a replica's log by offset (KIP-853): a static quorum has one, from the configuration, for
 * good ({@code kraft.version} 0); a dynamic one ({@code kraft.version} 1) has the set of its latest snapshot (or
 * bootstrap checkpoint) at the snapshot's last offset, and one more for every VotersRecord in its log, at the
 * record's offset. The replica acts on the newest set as soon as its record is in the log, committed or not; a
 * truncation takes the sets above the cut away again. Not thread-safe: the replica's executor (and the opening
 * thread before it starts).
 */
final class VoterHistory {
    private final VoterSet staticVoters;
    private final TreeMap<Long, VoterSet> sets = new TreeMap<>();

    VoterHistory(VoterSet staticVoters) {
        this.staticVoters = staticVoters;
    }

    /** Whether the voters come from the log ({@code kraft.version} 1) rather than the configuration. */
    boolean dynamic() {
        return !sets.isEmpty();
    }

    short kraftVersion() {
        return (short) (dynamic() ? 1 : 0);
    }

    /** The newest set, committed or not. */
    VoterSet current() {
        return sets.isEmpty() ? staticVoters : sets.lastEntry().getValue();
    }

    /** The set in force at {@code offset} (the newest at or below it), or null for a static quorum. */
    VoterSet at(long offset) {
        Map.Entry<Long, VoterSet> e = sets.floorEntry(offset);
        return e == null ? (sets.isEmpty() ? staticVoters : sets.firstEntry().getValue()) : e.getValue();
    }

    /** The offset of the newest VotersRecord, or -1 when the set comes from a snapshot or the configuration. */
    long lastChangeOffset() {
        return sets.isEmpty() ? -1 : sets.lastKey();
    }

    /** The number of sets at or above {@code offset}: voter changes in flight when it is the high watermark. */
    int changesFrom(long offset) {
        return sets.tailMap(offset, true).size();
    }

    void put(long offset, VoterSet set) {
        sets.put(offset, set);
    }

    /** The log was cut at {@code offset}: the sets from there on are gone. */
    void truncateTo(long offset) {
        sets.tailMap(offset, true).clear();
    }

    /** A snapshot ending at {@code endOffset} replaced the log: its set (or none, for a static quorum) is all. */
    void resetTo(long endOffset, VoterSet set) {
        sets.clear();
        if (set != null) {
            sets.put(endOffset - 1, set);
        }
    }

    /** Forgets the sets before the one in force at {@code offset} (the log start moved there). */
    void trimBelow(long offset) {
        Long floor = sets.floorKey(offset);
        if (floor != null) {
            sets.headMap(floor, false).clear();
        }
    }

    /**
     * Takes note of the VotersRecords among {@code batches} (whole v2 batches, as appended). Returns true when
     * the set changed.
     */
    boolean scan(ByteBuf batches, ByteBufAllocator alloc) {
        boolean changed = false;
        RecordBatchView view = new RecordBatchView();
        for (int pos = batches.readerIndex(); pos < batches.writerIndex(); pos += view.sizeInBytes()) {
            view.wrap(batches, pos);
            if (!view.isControl()) {
                continue;
            }
            view.validate(batches.writerIndex() - pos);
            if (BatchCodec.controlType(view, alloc) == ControlRecordType.KRAFT_VOTERS) {
                VotersRecord record = new VotersRecord();
                BatchCodec.decodeControl(view, ControlRecordType.KRAFT_VOTERS, record, alloc);
                sets.put(view.baseOffset(), VoterSet.fromRecord(record));
                changed = true;
            }
        }
        return changed;
    }

    @Override
    public String toString() {
        return dynamic() ? "dynamic " + sets : "static " + staticVoters;
    }
}
