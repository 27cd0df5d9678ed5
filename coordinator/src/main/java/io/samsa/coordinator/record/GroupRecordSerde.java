package io.samsa.coordinator.record;

import io.samsa.coordinator.runtime.TypePrefixedSerde;

/**
 * The bytes of the group coordinator's records in {@code __consumer_offsets}, laid out as Kafka lays out its own
 * ({@link TypePrefixedSerde}), so that Kafka's tools can read them. The record types are those of
 * {@link CoordinatorRecordType}, generated from {@code coordinator/src/main/schemas}. Keys of types 100-102 are
 * Samsa's format from before issue 10; they are refused with a message that says so. Stateless and thread-safe.
 */
public final class GroupRecordSerde extends TypePrefixedSerde {
    /** The first and last record types of Samsa's previous, hand-written group record format. */
    private static final int PREVIOUS_FORMAT_FIRST = 100;
    private static final int PREVIOUS_FORMAT_LAST = 102;

    public GroupRecordSerde() {
        super("group");
    }

    @Override
    protected Type type(short id) {
        CoordinatorRecordType t = CoordinatorRecordType.fromId(id);
        return t == null ? null : new Type(t.recordName(), t.lowestVersion(), t.highestVersion(), t::newKey,
                t::newValue);
    }

    @Override
    protected RuntimeException unknownType(short id) {
        if (id >= PREVIOUS_FORMAT_FIRST && id <= PREVIOUS_FORMAT_LAST) {
            return new IncompatibleFormatException(previousFormatMessage(id));
        }
        return super.unknownType(id);
    }

    /**
     * Why a key written in Samsa's previous group record format cannot be read, and what to do; null when
     * {@code key} is not in that format. For a start-up check of a data directory.
     */
    public static String previousFormatProblem(byte[] key) {
        if (key == null || key.length < 2) {
            return null;
        }
        int type = (short) (((key[0] & 0xff) << 8) | (key[1] & 0xff));
        return type >= PREVIOUS_FORMAT_FIRST && type <= PREVIOUS_FORMAT_LAST ? previousFormatMessage(type) : null;
    }

    private static String previousFormatMessage(int type) {
        return "__consumer_offsets holds a group record of type " + type + " in the format Samsa wrote before it "
                + "adopted Kafka's record layout; this version cannot read it. Its committed offsets and groups "
                + "are lost to this version: delete the __consumer_offsets-* directories of the data directory "
                + "(consumers then start from auto.offset.reset), or run the previous Samsa version.";
    }
}
