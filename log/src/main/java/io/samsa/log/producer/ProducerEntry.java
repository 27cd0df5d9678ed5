package io.samsa.log.producer;

/**
 * What the log remembers of one idempotent or transactional producer: its epoch, the sequence ranges and
 * offsets of its last five batches (for duplicate detection, as the Java client keeps at most five in
 * flight), the coordinator epoch of its last marker, the first offset of its ongoing transaction, and when
 * it last wrote (for expiry).
 *
 * <p>Not thread-safe: owned by the partition's writer through {@link ProducerStateManager}.
 */
public final class ProducerEntry {
    /** Batches remembered per producer. */
    public static final int MAX_BATCHES = 5;

    final long producerId;
    short epoch = -1;
    int coordinatorEpoch = -1;
    long lastTimestamp = -1;
    long currentTxnFirstOffset = -1;
    // Ring of the last batches, oldest first from head: first seq, last seq, first offset, last offset.
    final int[] firstSeqs = new int[MAX_BATCHES];
    final int[] lastSeqs = new int[MAX_BATCHES];
    final long[] firstOffsets = new long[MAX_BATCHES];
    final long[] lastOffsets = new long[MAX_BATCHES];
    int head;
    int count;

    ProducerEntry(long producerId) {
        this.producerId = producerId;
    }

    public long producerId() {
        return producerId;
    }

    public short epoch() {
        return epoch;
    }

    public long currentTxnFirstOffset() {
        return currentTxnFirstOffset;
    }

    public long lastTimestamp() {
        return lastTimestamp;
    }

    public int batchCount() {
        return count;
    }

    /** The last sequence written, or -1 when no batch is remembered. */
    public int lastSeq() {
        return count == 0 ? -1 : lastSeqs[(head + count - 1) % MAX_BATCHES];
    }

    /** The last offset written, or -1 when no batch is remembered. */
    public long lastOffset() {
        return count == 0 ? -1 : lastOffsets[(head + count - 1) % MAX_BATCHES];
    }

    void addBatch(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
        int slot;
        if (count == MAX_BATCHES) {
            slot = head;
            head = (head + 1) % MAX_BATCHES;
        } else {
            slot = (head + count) % MAX_BATCHES;
            count++;
        }
        firstSeqs[slot] = firstSeq;
        lastSeqs[slot] = lastSeq;
        firstOffsets[slot] = firstOffset;
        lastOffsets[slot] = lastOffset;
    }

    void clearBatches() {
        head = 0;
        count = 0;
    }

    /** The index of a remembered batch with exactly these sequences, or -1. */
    int findDuplicate(int firstSeq, int lastSeq) {
        for (int i = 0; i < count; i++) {
            int slot = (head + i) % MAX_BATCHES;
            if (firstSeqs[slot] == firstSeq && lastSeqs[slot] == lastSeq) {
                return slot;
            }
        }
        return -1;
    }
}
