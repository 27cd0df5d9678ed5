package io.samsa.replication;

/**
 * One partition's transaction marker, as a {@link DelayedProduce} append: on the partition's shard it appends the
 * commit or abort control batch of producer {@code producerId} ({@link Partition#appendTransactionMarker}), and then
 * completes by the request's acks like any append (WriteTxnMarkers asks for acks=all). Used once.
 */
public class MarkerAppend extends DelayedProduce.Append {
    private final long producerId;
    private final short producerEpoch;
    private final boolean commit;
    private final int coordinatorEpoch;
    private final short transactionVersion;

    public MarkerAppend(Partition partition, long producerId, short producerEpoch, boolean commit,
                        int coordinatorEpoch, short transactionVersion) {
        super(partition, null);
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.commit = commit;
        this.coordinatorEpoch = coordinatorEpoch;
        this.transactionVersion = transactionVersion;
    }

    /** On the partition's shard. */
    @Override
    protected void runOnShard() {
        appended(partition.appendTransactionMarker(producerId, producerEpoch, commit, coordinatorEpoch,
                transactionVersion, requiredAcks()));
    }
}
