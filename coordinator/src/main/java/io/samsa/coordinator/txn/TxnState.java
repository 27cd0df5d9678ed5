package io.samsa.coordinator.txn;

/**
 * The states of a transactional id, with the ids {@code __transaction_state} records store and the names
 * DescribeTransactions and ListTransactions report. Samsa never holds Dead or PrepareEpochFence (Kafka's states while
 * an expiry tombstone or a fencing write is pending: here a written record takes effect at once), but ListTransactions
 * knows their names.
 */
public enum TxnState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String displayName;

    TxnState(int id, String displayName) {
        this.id = (byte) id;
        this.displayName = displayName;
    }

    public byte id() {
        return id;
    }

    /** The name Kafka's APIs and tools use ("Ongoing", "PrepareCommit", ...). */
    public String displayName() {
        return displayName;
    }

    /** The state stored as {@code id}, or null. */
    public static TxnState fromId(int id) {
        for (TxnState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        return null;
    }

    /** The state Kafka names {@code name} (exactly, as Kafka matches ListTransactions filters), or null. */
    public static TxnState fromName(String name) {
        for (TxnState s : values()) {
            if (s.displayName.equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** PrepareCommit or PrepareAbort: the markers are being written. */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** Empty, CompleteCommit or CompleteAbort: no transaction in progress. */
    public boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
}
