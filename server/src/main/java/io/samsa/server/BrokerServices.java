package io.samsa.server;

import io.netty.channel.EventLoopGroup;
import io.samsa.common.Clock;
import io.samsa.log.LogManager;
import io.samsa.replication.BrokerChannel;
import io.samsa.replication.ReplicaManager;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.metadata.BrokerMetadata;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The long-lived parts of a running broker that handlers use: configuration, the metadata (the image handlers
 * read, and the controller every change goes through), the logs, the hosted partitions (replication's
 * {@link ReplicaManager}, with the shards that own them), the channel to other brokers, the event loops (which are
 * also the shards) and a background scheduler. Created by {@link SamsaBroker}; every part is thread-safe.
 */
public record BrokerServices(BrokerConfig config, Clock clock, BrokerMetadata metadata, LogManager logs,
                             ReplicaManager replicas, BrokerChannel brokerChannel, EventLoopGroup eventLoops,
                             ScheduledExecutorService background) {

    public int nodeId() {
        return config.nodeId();
    }
}
