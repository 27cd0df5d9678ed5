package io.samsa.compat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scenario ids, in matrix order, with what each asserts. */
public final class Scenarios {
    public static final Map<String, String> ALL = new LinkedHashMap<>();

    static {
        ALL.put("metadata", "cluster id, brokers, a new topic's partitions have leaders and ISR");
        ALL.put("topic-admin", "create/describe/alter config/add partitions/delete; TOPIC_ALREADY_EXISTS, "
                + "INVALID_PARTITIONS, UNKNOWN_TOPIC_OR_PARTITION");
        ALL.put("roundtrip", "keys, null keys and values, headers (repeated, null), timestamps, offsets");
        ALL.put("compression", "none, gzip, snappy, lz4, zstd: content, order and offsets");
        ALL.put("order-and-keys", "a key always lands on one partition; per-partition and per-key order");
        ALL.put("consumer-group", "members split partitions, all records read once, rebalance on leave");
        ALL.put("offset-commit-resume", "commit with metadata, fetch committed offsets, resume without loss or "
                + "duplicate");
        ALL.put("pubsub-groups", "three groups each read every record");
        ALL.put("acks", "acks=0, 1 and all: every record stored, in order");
        ALL.put("idempotence", "idempotent producer with 5 in flight: contiguous offsets, no duplicates");
        ALL.put("offsets-by-time", "offsetsForTimes, earliest, latest, max timestamp");
        ALL.put("max-message-size", "a record under max.message.bytes round-trips; one above gets MESSAGE_TOO_LARGE");
        ALL.put("long-poll", "an empty fetch is held for fetch.max.wait.ms; new data completes it at once");
        ALL.put("configs", "describe and alter topic configs with the CLI");
        ALL.put("get-offsets", "GetOffsetShell latest and earliest offsets");
        ALL.put("transactions", "commit, abort, commit: read_committed reads the committed records once, "
                + "read_uncommitted all; consume-transform-produce with the group's offsets in the transaction; CLI: "
                + "kafka-transactions list, describe, describe-producers, find-hanging, abort");
        ALL.put("verifiable", "VerifiableProducer then VerifiableConsumer: every acknowledged message consumed");
    }

    private Scenarios() {
    }

    public static List<String> ids() {
        return List.copyOf(ALL.keySet());
    }
}
