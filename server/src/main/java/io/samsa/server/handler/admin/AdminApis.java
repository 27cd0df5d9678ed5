package io.samsa.server.handler.admin;

import io.samsa.server.BrokerServices;
import io.samsa.server.handler.SupportedApis;

/**
 * Registers the metadata and admin APIs' handlers in the broker's API table, each with the version
 * range it serves (see each handler's Javadoc). Called once at start-up.
 */
public final class AdminApis {
    private AdminApis() {
    }

    public static void register(SupportedApis.Builder apis, BrokerServices services) {
        apis.add((short) 3, 0, 13, new MetadataHandler(services.config(), services.metadata()));
        apis.add((short) 19, 0, 7, new CreateTopicsHandler(services.metadata()));
        apis.add((short) 20, 0, 6, new DeleteTopicsHandler(services.metadata()));
        apis.add((short) 32, 0, 4, new DescribeConfigsHandler(services.config(), services.metadata()));
        apis.add((short) 33, 0, 2, new AlterConfigsHandler(services.metadata()));
        apis.add((short) 35, 0, 5, new DescribeLogDirsHandler(services));
        apis.add((short) 37, 0, 3, new CreatePartitionsHandler(services.metadata()));
        apis.add((short) 44, 0, 1, new IncrementalAlterConfigsHandler(services.metadata()));
        apis.add((short) 60, 0, 2, new DescribeClusterHandler(services.config(), services.metadata()));
        apis.add((short) 75, 0, 0, new DescribeTopicPartitionsHandler(services.metadata()));
    }
}
