package io.samsa.server.handler.admin;

import io.samsa.server.OfficialWire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The official Admin client against one broker: topics and configs, each error with its exception type. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminClientIT {
    private static EmbeddedBroker broker;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        // Static keys of a listener the broker does not bind: DescribeConfigs shows them all the same.
        broker = EmbeddedBroker.start(Map.of("num.partitions", "2",
                "listener.name.external.ssl.keystore.location", "/etc/samsa/external.p12",
                "listener.name.external.ssl.endpoint.identification.algorithm", "",
                "listener.name.external.ssl.keystore.password", "keystore-secret",
                "listener.name.external.ssl.key.password", "key-secret",
                "listener.name.external.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\";",
                "listener.name.external.no.such.key", "unknown"));
        admin = admin(broker);
    }

    @AfterAll
    static void stop() throws IOException {
        admin.close();
        broker.close();
    }

    static Admin admin(EmbeddedBroker b) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    static <T> T get(KafkaFuture<T> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    static Throwable failure(KafkaFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(15, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void createsListsAndDescribesTopics() throws Exception {
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1)));
        get(created.all());
        Uuid id = get(created.topicId("orders"));
        assertNotEquals(Uuid.ZERO_UUID, id);
        assertEquals(3, get(created.numPartitions("orders")));
        assertEquals(1, get(created.replicationFactor("orders")));

        assertTrue(get(admin.listTopics().names()).contains("orders"));
        TopicDescription d = get(admin.describeTopics(List.of("orders")).allTopicNames()).get("orders");
        assertEquals(id, d.topicId());
        assertFalse(d.isInternal());
        assertEquals(3, d.partitions().size());
        for (int p = 0; p < 3; p++) {
            TopicPartitionInfo info = d.partitions().get(p);
            assertEquals(p, info.partition());
            assertEquals(1, info.leader().id());
            assertEquals(List.of(1), info.replicas().stream().map(Node::id).toList());
            assertEquals(List.of(1), info.isr().stream().map(Node::id).toList());
        }
        TopicDescription byId = get(admin.describeTopics(TopicCollection.ofTopicIds(List.of(id))).allTopicIds())
                .get(id);
        assertEquals("orders", byId.name());
        assertEquals(3, byId.partitions().size());
    }

    @Test
    void createsWithBrokerDefaultsConfigsAndExplicitAssignments() throws Exception {
        NewTopic defaults = new NewTopic("with-defaults", Optional.empty(), Optional.empty())
                .configs(Map.of("retention.ms", "1000", "cleanup.policy", "compact"));
        NewTopic assigned = new NewTopic("assigned", Map.of(0, List.of(1), 1, List.of(1), 2, List.of(1)));
        CreateTopicsResult created = admin.createTopics(List.of(defaults, assigned));
        get(created.all());
        assertEquals(2, get(created.numPartitions("with-defaults")), "num.partitions");
        assertEquals(1, get(created.replicationFactor("with-defaults")), "default.replication.factor");
        Config config = get(created.config("with-defaults"));
        assertEquals("1000", config.get("retention.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("retention.ms").source());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("segment.bytes").source());
        assertEquals(3, get(admin.describeTopics(List.of("assigned")).allTopicNames()).get("assigned")
                .partitions().size());
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        CreateTopicsResult r = admin.createTopics(List.of(new NewTopic("validated", 4, (short) 1)),
                new CreateTopicsOptions().validateOnly(true));
        get(r.all());
        assertEquals(4, get(r.numPartitions("validated")));
        assertFalse(get(admin.listTopics().names()).contains("validated"));
        assertInstanceOf(InvalidPartitionsException.class, failure(admin.createTopics(
                List.of(new NewTopic("validated", 0, (short) 1)), new CreateTopicsOptions().validateOnly(true)).all()));
    }

    @Test
    void createErrorsHaveKafkasExceptionTypes() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all());
        assertInstanceOf(TopicExistsException.class,
                failure(admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all()));
        assertInstanceOf(InvalidPartitionsException.class,
                failure(admin.createTopics(List.of(new NewTopic("zero-partitions", 0, (short) 1))).all()));
        Throwable rf = failure(admin.createTopics(List.of(new NewTopic("three-replicas", 1, (short) 3))).all());
        assertInstanceOf(InvalidReplicationFactorException.class, rf);
        assertTrue(rf.getMessage().contains("3"), rf.getMessage());
        Throwable config = failure(admin.createTopics(List.of(new NewTopic("bad-config", 1, (short) 1)
                .configs(Map.of("retention.ms", "soon")))).all());
        assertInstanceOf(InvalidConfigurationException.class, config);
        assertTrue(config.getMessage().contains("retention.ms"), config.getMessage());
        assertInstanceOf(InvalidConfigurationException.class, failure(admin.createTopics(List.of(
                new NewTopic("unknown-config", 1, (short) 1).configs(Map.of("no.such.config", "1")))).all()));
        assertInstanceOf(InvalidTopicException.class,
                failure(admin.createTopics(List.of(new NewTopic("bad$name", 1, (short) 1))).all()));
        assertInstanceOf(InvalidReplicaAssignmentException.class, failure(admin.createTopics(
                List.of(new NewTopic("bad-assignment", Map.of(0, List.of(7))))).all()));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                failure(admin.describeTopics(List.of("no-such-topic")).allTopicNames()));
    }

    private static void alter(ConfigResource resource, AlterConfigOp... ops) throws Exception {
        get(admin.incrementalAlterConfigs(Map.of(resource, List.of(ops))).all());
    }

    private static Config describe(ConfigResource resource) throws Exception {
        return get(admin.describeConfigs(List.of(resource)).all()).get(resource);
    }

    @Test
    void incrementalAlterConfigsSetsDeletesAppendsAndSubtracts() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("altered", 1, (short) 1))).all());
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "altered");
        alter(topic, new AlterConfigOp(new ConfigEntry("retention.ms", "5000"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND));
        Config c = describe(topic);
        assertEquals("5000", c.get("retention.ms").value());
        assertEquals("delete,compact", c.get("cleanup.policy").value());

        alter(topic, new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT),
                new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE));
        c = describe(topic);
        assertEquals("compact", c.get("cleanup.policy").value());
        assertEquals("604800000", c.get("retention.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, c.get("retention.ms").source());

        // validateOnly changes nothing; errors per resource with Kafka's exception types.
        get(admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(new ConfigEntry("retention.ms",
                "1"), AlterConfigOp.OpType.SET))), new org.apache.kafka.clients.admin.AlterConfigsOptions()
                .validateOnly(true)).all());
        assertEquals("604800000", describe(topic).get("retention.ms").value());
        assertInstanceOf(InvalidConfigurationException.class, failure(admin.incrementalAlterConfigs(Map.of(topic,
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.APPEND))))
                .all()));
        assertInstanceOf(InvalidConfigurationException.class, failure(admin.incrementalAlterConfigs(Map.of(topic,
                List.of(new AlterConfigOp(new ConfigEntry("segment.bytes", "12"), AlterConfigOp.OpType.SET))))
                .all()));
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic");
        assertInstanceOf(UnknownTopicOrPartitionException.class, failure(admin.incrementalAlterConfigs(Map.of(
                missing, List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.SET))))
                .all()));
    }

    @Test
    void describeConfigsShowsSourcesAndSynonyms() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("overridden", 1, (short) 1)
                .configs(Map.of("retention.ms", "3600000")), new NewTopic("plain", 1, (short) 1))).all());
        ConfigResource overridden = new ConfigResource(ConfigResource.Type.TOPIC, "overridden");
        ConfigResource plain = new ConfigResource(ConfigResource.Type.TOPIC, "plain");
        Map<ConfigResource, Config> configs = get(admin.describeConfigs(List.of(overridden, plain),
                new org.apache.kafka.clients.admin.DescribeConfigsOptions().includeSynonyms(true)
                        .includeDocumentation(true)).all());

        ConfigEntry o = configs.get(overridden).get("retention.ms");
        assertEquals("3600000", o.value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, o.source());
        assertEquals(2, o.synonyms().size());
        assertEquals("retention.ms", o.synonyms().get(0).name());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, o.synonyms().get(0).source());
        assertEquals("log.retention.hours", o.synonyms().get(1).name());
        assertEquals("168", o.synonyms().get(1).value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, o.synonyms().get(1).source());
        assertEquals(ConfigEntry.ConfigType.LONG, o.type());
        assertNotNull(o.documentation());

        ConfigEntry p = configs.get(plain).get("retention.ms");
        assertEquals("604800000", p.value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, p.source());
        assertEquals(List.of("log.retention.hours"), p.synonyms().stream().map(ConfigEntry.ConfigSynonym::name)
                .toList());

        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config brokerConfig = get(admin.describeConfigs(List.of(node),
                new org.apache.kafka.clients.admin.DescribeConfigsOptions().includeSynonyms(true)).all()).get(node);
        assertEquals("2", brokerConfig.get("num.partitions").value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, brokerConfig.get("num.partitions").source());
        assertTrue(brokerConfig.get("num.partitions").isReadOnly());
        assertEquals("168", brokerConfig.get("log.retention.hours").value());
        assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, brokerConfig.get("log.retention.hours").source());
        assertFalse(brokerConfig.get("log.retention.hours").isReadOnly());

        // The Admin client sends a broker resource to that broker; ask this one about node 7 directly.
        try (OfficialWire wire = new OfficialWire(broker.port())) {
            DescribeConfigsRequestData req = new DescribeConfigsRequestData();
            req.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                    .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("7"));
            req.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                    .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName("one"));
            DescribeConfigsResponseData resp = new DescribeConfigsResponseData(new ByteBufferAccessor(
                    wire.send(ApiKeys.DESCRIBE_CONFIGS, (short) 4, req)), (short) 4);
            assertEquals(Errors.INVALID_REQUEST.code(), resp.results().get(0).errorCode());
            assertEquals("Unexpected broker id, expected 1 or empty string, but received 7",
                    resp.results().get(0).errorMessage());
            assertEquals(Errors.INVALID_REQUEST.code(), resp.results().get(1).errorCode());
        }
        ConfigResource missing = new ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic");
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                failure(admin.describeConfigs(List.of(missing)).all()));
    }

    @Test
    void listenerKeysAreSensitiveByTheTypeOfTheKeyTheyOverride() throws Exception {
        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
        alter(node, new AlterConfigOp(new ConfigEntry("listener.name.external.ssl.truststore.location",
                "/etc/samsa/trust.p12"), AlterConfigOp.OpType.SET), new AlterConfigOp(new ConfigEntry(
                "listener.name.external.ssl.truststore.password", "truststore-secret"), AlterConfigOp.OpType.SET));
        try {
            Config c = get(admin.describeConfigs(List.of(node), new org.apache.kafka.clients.admin
                    .DescribeConfigsOptions().includeSynonyms(true)).all()).get(node);

            ConfigEntry location = c.get("listener.name.external.ssl.keystore.location");
            assertEquals("/etc/samsa/external.p12", location.value());
            assertFalse(location.isSensitive());
            assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, location.source());
            assertEquals(ConfigEntry.ConfigType.STRING, location.type());
            ConfigEntry algorithm = c.get("listener.name.external.ssl.endpoint.identification.algorithm");
            assertEquals("", algorithm.value(), "an empty value is shown, not hidden");
            assertFalse(algorithm.isSensitive());
            // Kafka's synonyms: the listener's key, then the key it overrides (here its default).
            assertEquals(List.of("listener.name.external.ssl.endpoint.identification.algorithm",
                    "ssl.endpoint.identification.algorithm"), algorithm.synonyms().stream()
                    .map(ConfigEntry.ConfigSynonym::name).toList());
            assertEquals("https", algorithm.synonyms().get(1).value());
            assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, algorithm.synonyms().get(1).source());

            for (String secret : List.of("listener.name.external.ssl.keystore.password",
                    "listener.name.external.ssl.key.password", "listener.name.external.plain.sasl.jaas.config",
                    "listener.name.external.ssl.truststore.password", "listener.name.external.no.such.key")) {
                ConfigEntry e = c.get(secret);
                assertNotNull(e, secret);
                assertTrue(e.isSensitive(), secret);
                assertNull(e.value(), secret);
                for (ConfigEntry.ConfigSynonym s : e.synonyms()) {
                    assertNull(s.value(), secret + " synonym " + s.name());
                }
            }
            assertEquals(ConfigEntry.ConfigType.PASSWORD, c.get("listener.name.external.plain.sasl.jaas.config")
                    .type());

            // Set through AlterConfigs: the same rule, with the dynamic source.
            ConfigEntry trust = c.get("listener.name.external.ssl.truststore.location");
            assertEquals("/etc/samsa/trust.p12", trust.value());
            assertFalse(trust.isSensitive());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, trust.source());
            ConfigEntry trustPassword = c.get("listener.name.external.ssl.truststore.password");
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, trustPassword.source());
            assertEquals(ConfigEntry.ConfigType.PASSWORD, trustPassword.type());
        } finally {
            alter(node, new AlterConfigOp(new ConfigEntry("listener.name.external.ssl.truststore.location", null),
                    AlterConfigOp.OpType.DELETE), new AlterConfigOp(new ConfigEntry(
                    "listener.name.external.ssl.truststore.password", null), AlterConfigOp.OpType.DELETE));
        }
    }

    @Test
    void createPartitionsGrowsTopicsAndRefusesShrinking() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("growing", 1, (short) 1))).all());
        get(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(3))).all());
        assertEquals(3, get(admin.describeTopics(List.of("growing")).allTopicNames()).get("growing")
                .partitions().size());
        get(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(4, List.of(List.of(1))))).all());
        assertEquals(4, get(admin.describeTopics(List.of("growing")).allTopicNames()).get("growing")
                .partitions().size());
        get(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(9)),
                new org.apache.kafka.clients.admin.CreatePartitionsOptions().validateOnly(true)).all());
        assertEquals(4, get(admin.describeTopics(List.of("growing")).allTopicNames()).get("growing")
                .partitions().size(), "validateOnly");

        assertInstanceOf(InvalidPartitionsException.class,
                failure(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(2))).all()));
        assertInstanceOf(InvalidPartitionsException.class,
                failure(admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(4))).all()));
        assertInstanceOf(InvalidReplicaAssignmentException.class, failure(admin.createPartitions(Map.of("growing",
                NewPartitions.increaseTo(5, List.of(List.of(9))))).all()));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                failure(admin.createPartitions(Map.of("no-such-topic", NewPartitions.increaseTo(2))).all()));
    }

    @Test
    void deletesTopicsByNameAndById() throws Exception {
        CreateTopicsResult created = admin.createTopics(List.of(new NewTopic("doomed-a", 1, (short) 1),
                new NewTopic("doomed-b", 1, (short) 1)));
        get(created.all());
        Uuid idB = get(created.topicId("doomed-b"));
        get(admin.deleteTopics(List.of("doomed-a")).all());
        get(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(idB))).all());
        Set<String> names = get(admin.listTopics().names());
        assertFalse(names.contains("doomed-a"));
        assertFalse(names.contains("doomed-b"));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                failure(admin.deleteTopics(List.of("doomed-a")).all()));
        assertInstanceOf(UnknownTopicIdException.class,
                failure(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(idB))).all()));
    }

    @Test
    void describeClusterReturnsThisNodeAndTheClusterId() throws Exception {
        DescribeClusterResult cluster = admin.describeCluster();
        assertEquals(broker.broker().services().metadata().image().clusterId(), get(cluster.clusterId()));
        List<Node> nodes = List.copyOf(get(cluster.nodes()));
        assertEquals(1, nodes.size());
        assertEquals(1, nodes.get(0).id());
        assertEquals("127.0.0.1", nodes.get(0).host());
        assertEquals(broker.port(), nodes.get(0).port());
        assertEquals(1, get(cluster.controller()).id());
    }

    @Test
    void describeLogDirsShowsThePartitions() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("on-disk", 2, (short) 1))).all());
        Map<String, LogDirDescription> dirs = get(admin.describeLogDirs(List.of(1)).allDescriptions()).get(1);
        assertEquals(1, dirs.size());
        LogDirDescription dir = dirs.values().iterator().next();
        assertEquals(broker.dataDir().toAbsolutePath().toString(), dirs.keySet().iterator().next());
        assertTrue(dir.replicaInfos().containsKey(new TopicPartition("on-disk", 0)));
        assertTrue(dir.replicaInfos().containsKey(new TopicPartition("on-disk", 1)));
        assertEquals(0, dir.replicaInfos().get(new TopicPartition("on-disk", 1)).offsetLag());
        assertTrue(dir.totalBytes().orElse(-1) > 0);
        assertTrue(dir.usableBytes().orElse(-1) >= 0);
    }
}
