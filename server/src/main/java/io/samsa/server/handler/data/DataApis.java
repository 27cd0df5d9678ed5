package io.samsa.server.handler.data;

import io.samsa.server.BrokerServices;
import io.samsa.server.coordinator.TransactionVerifier;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.metrics.JmxMetrics;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Registers the data APIs' handlers in the broker's API table. Called once at start-up.
 */
public final class DataApis {
    static final short PRODUCE = 0;
    static final short FETCH = 1;
    static final short LIST_OFFSETS = 2;
    static final short DELETE_RECORDS = 21;
    static final short OFFSET_FOR_LEADER_EPOCH = 23;
    static final short DESCRIBE_PRODUCERS = 61;
    /** Kafka's gauges of the broker's fetch sessions (KIP-227). */
    public static final String FETCH_SESSION_CACHE = "FetchSessionCache";
    public static final String SESSIONS_GAUGE = "NumIncrementalFetchSessions";
    public static final String PARTITIONS_CACHED_GAUGE = "NumIncrementalFetchPartitionsCached";

    private DataApis() {
    }

    /**
     * Registers the handlers, and in {@code metrics} the fetch session cache's gauges under Kafka's names
     * ({@code kafka.server:type=FetchSessionCache,name=NumIncrementalFetchSessions} and
     * {@code NumIncrementalFetchPartitionsCached}). A consumer's Fetch answers the partitions of a topic
     * {@code readable} refuses (READ, by the ACLs) with TOPIC_AUTHORIZATION_FAILED beside the others' data, in and
     * out of fetch sessions (null: no check).
     */
    public static void register(SupportedApis.Builder apis, BrokerServices services, JmxMetrics metrics,
                                BiPredicate<RequestContext, String> readable) {
        BrokerConfig config = services.config();
        PartitionLookup partitions = new PartitionLookup(services.replicas(), services.metadata()::image);
        FetchSessionCache sessions = new FetchSessionCache(
                config.getInt(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS), services.clock(),
                FetchSessionCache.EVICTION_MS);
        metrics.gauge("kafka.server", FETCH_SESSION_CACHE, SESSIONS_GAUGE, Map.of(), sessions::size);
        metrics.gauge("kafka.server", FETCH_SESSION_CACHE, PARTITIONS_CACHED_GAUGE, Map.of(),
                sessions::partitionsCached);
        apis.add(PRODUCE, 3, 13, new ProduceHandler(partitions));
        apis.add(FETCH, 4, 18, new FetchHandler(partitions, sessions, services.clock(),
                config.getInt(BrokerConfig.FETCH_MAX_BYTES), config.nodeId(),
                ReadReplicaSelector.forClass(config.getString(BrokerConfig.REPLICA_SELECTOR_CLASS)), readable));
        apis.add(LIST_OFFSETS, 1, 8, new ListOffsetsHandler(partitions));
        apis.add(DELETE_RECORDS, 0, 2, new DeleteRecordsHandler(partitions));
        apis.add(OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(partitions));
        apis.add(DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(partitions));
    }

    /**
     * Once the broker runs a transaction coordinator: Produce takes transactional batches, verified (or added) through
     * {@code verifier} before a transaction's first batch in a partition (KIP-890).
     */
    public static void withTransactions(SupportedApis.Builder apis, BrokerServices services,
                                        TransactionVerifier verifier) {
        PartitionLookup partitions = new PartitionLookup(services.replicas(), services.metadata()::image);
        apis.replaceHandler(PRODUCE, new ProduceHandler(partitions, verifier,
                services.config().getBoolean("transaction.partition.verification.enable")));
    }
}
