package io.samsa.server.handler.data;

import io.samsa.server.BrokerServices;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.partition.ReplicaManager;

/**
 * Registers the data APIs' handlers in the broker's API table, and starts the {@link ReplicaManager}'s shards and
 * retention task. Called once at start-up.
 */
public final class DataApis {
    static final short PRODUCE = 0;
    static final short FETCH = 1;
    static final short LIST_OFFSETS = 2;
    static final short DELETE_RECORDS = 21;
    static final short INIT_PRODUCER_ID = 22;
    static final short OFFSET_FOR_LEADER_EPOCH = 23;
    static final short DESCRIBE_PRODUCERS = 61;

    private DataApis() {
    }

    public static void register(SupportedApis.Builder apis, BrokerServices services) {
        ReplicaManager replicas = services.replicas();
        replicas.start(services.eventLoops(), services.background());
        BrokerConfig config = services.config();
        FetchSessionCache sessions = new FetchSessionCache(
                config.getInt(BrokerConfig.MAX_INCREMENTAL_FETCH_SESSION_CACHE_SLOTS), services.clock(),
                FetchSessionCache.EVICTION_MS);
        apis.add(PRODUCE, 3, 13, new ProduceHandler(replicas));
        apis.add(FETCH, 4, 18, new FetchHandler(replicas, sessions, services.clock(),
                config.getInt(BrokerConfig.FETCH_MAX_BYTES)));
        apis.add(LIST_OFFSETS, 1, 8, new ListOffsetsHandler(replicas));
        apis.add(DELETE_RECORDS, 0, 2, new DeleteRecordsHandler(replicas));
        apis.add(INIT_PRODUCER_ID, 0, 5, new InitProducerIdHandler(services.metadata().producerIds()));
        apis.add(OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(replicas));
        apis.add(DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(replicas));
    }
}
