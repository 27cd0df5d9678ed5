package io.samsa.server.handler.admin;

import io.samsa.server.BrokerServices;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.security.acl.CreateAclsHandler;
import io.samsa.server.security.acl.DeleteAclsHandler;
import io.samsa.server.security.acl.DescribeAclsHandler;
import java.util.List;
import java.util.function.Function;

/**
 * Registers the metadata and admin APIs' handlers in the broker's API table, each with the version
 * range it serves (see each handler's Javadoc). Called once at start-up.
 */
public final class AdminApis {
    private AdminApis() {
    }

    /** An API that changes metadata: its key, the versions served, and its handler over a {@link MetadataChanges}. */
    public record ChangeApi(short apiKey, int minVersion, int maxVersion,
                            Function<MetadataChanges, ApiHandler> handler) {
    }

    /**
     * The APIs that change metadata, served alike by brokers (through their controller, in-process or forwarded) and
     * by a controller's own listener (directly, or inside a broker's Envelope).
     */
    public static final List<ChangeApi> CHANGES = List.of(
            new ChangeApi((short) 19, 0, 7, CreateTopicsHandler::new),
            new ChangeApi((short) 20, 0, 6, DeleteTopicsHandler::new),
            new ChangeApi((short) 30, 0, 3, CreateAclsHandler::new),
            new ChangeApi((short) 31, 0, 3, DeleteAclsHandler::new),
            new ChangeApi((short) 33, 0, 2, AlterConfigsHandler::new),
            new ChangeApi((short) 37, 0, 3, CreatePartitionsHandler::new),
            new ChangeApi((short) 43, 0, 2, ElectLeadersHandler::new),
            new ChangeApi((short) 44, 0, 1, IncrementalAlterConfigsHandler::new),
            new ChangeApi((short) 45, 0, 1, AlterPartitionReassignmentsHandler::new),
            new ChangeApi((short) 46, 0, 0, ListPartitionReassignmentsHandler::new),
            new ChangeApi((short) 51, 0, 0, AlterUserScramCredentialsHandler::new),
            new ChangeApi((short) 49, 0, 1, AlterClientQuotasHandler::new),
            new ChangeApi((short) 57, 0, 2, UpdateFeaturesHandler::new),
            new ChangeApi((short) 64, 0, 0, UnregisterBrokerHandler::new));

    public static void register(SupportedApis.Builder apis, BrokerServices services) {
        apis.add((short) 3, 0, 13, new MetadataHandler(services.config(), services.metadata()));
        apis.add((short) 29, 0, 3, new DescribeAclsHandler(() -> services.metadata().image().acls()));
        apis.add((short) 32, 0, 4, new DescribeConfigsHandler(services.config(), services.metadata()));
        apis.add((short) 35, 0, 5, new DescribeLogDirsHandler(services));
        apis.add((short) 50, 0, 0, new DescribeUserScramCredentialsHandler(services.metadata()::image));
        apis.add((short) 48, 0, 1, new DescribeClientQuotasHandler(services.metadata()));
        apis.add((short) 60, 0, 2, new DescribeClusterHandler(services.metadata()));
        apis.add((short) 75, 0, 0, new DescribeTopicPartitionsHandler(services.metadata()));
        for (ChangeApi api : CHANGES) {
            apis.add(api.apiKey(), api.minVersion(), api.maxVersion(), api.handler().apply(services.metadata()));
        }
    }
}
