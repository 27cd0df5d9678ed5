package io.samsa.coordinator.txn.record;

import io.samsa.coordinator.runtime.TypePrefixedSerde;

/**
 * The bytes of the transaction coordinator's records in {@code __transaction_state}, laid out as Kafka lays out its
 * own ({@link TypePrefixedSerde}: an int16 record type, 0, then the key; an int16 version then the value), so that
 * Kafka's tools read them. The record types are those of {@link TransactionRecordType}, generated from
 * {@code coordinator/src/main/schemas/transaction}. Stateless and thread-safe.
 */
public final class TransactionRecordSerde extends TypePrefixedSerde {

    public TransactionRecordSerde() {
        super("transaction");
    }

    @Override
    protected Type type(short id) {
        TransactionRecordType t = TransactionRecordType.fromId(id);
        return t == null ? null : new Type(t.recordName(), t.lowestVersion(), t.highestVersion(), t::newKey,
                t::newValue);
    }
}
