package io.samsa.server.security.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.server.EmbeddedBroker;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ACLs with the official clients: the Admin client's createAcls, describeAcls and deleteAcls with filters, and an
 * ACL matrix per API (produce, consume with a group, metadata, create and delete topics) allowed, denied, by prefix,
 * and for a super user. Every plaintext client is User:ANONYMOUS, so the tests grant and deny it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AclIT {
    private static final String ME = "User:ANONYMOUS";
    private static final String AUTHORIZER = AclAuthorizer.STANDARD_AUTHORIZER;

    private static Admin admin(EmbeddedBroker b) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, AclOperation op,
                                  AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(ME, "*", op,
                permission));
    }

    private static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    private static void produce(EmbeddedBroker b, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(b.producerProps())) {
            p.send(new ProducerRecord<>(topic, "v".getBytes())).get(10, TimeUnit.SECONDS);
        }
    }

    private static int consume(EmbeddedBroker b, String topic, String group) {
        Properties props = b.consumerProps();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            int n = 0;
            while (n == 0 && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(200));
                n += records.count();
            }
            c.commitSync();
            return n;
        }
    }

    @Test
    void withoutAnAuthorizerTheAclApisAnswerSecurityDisabled() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.start(); Admin admin = admin(b)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeAcls(AclBindingFilter.ANY).values().get());
            assertInstanceOf(SecurityDisabledException.class, cause(e));
            e = assertThrows(ExecutionException.class, () -> admin.createAcls(List.of(acl(ResourceType.TOPIC, "t",
                    PatternType.LITERAL, AclOperation.READ, AclPermissionType.ALLOW))).all().get());
            assertInstanceOf(SecurityDisabledException.class, cause(e));
            e = assertThrows(ExecutionException.class, () -> admin.deleteAcls(List.of(AclBindingFilter.ANY)).all()
                    .get());
            assertInstanceOf(SecurityDisabledException.class, cause(e));
        }
    }

    @Test
    void adminCreatesDescribesAndDeletesAclsWithFilters() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.start(Map.of("authorizer.class.name", AUTHORIZER,
                "super.users", ME)); Admin admin = admin(b)) {
            AclBinding readOrders = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, AclOperation.READ,
                    AclPermissionType.ALLOW);
            AclBinding writePay = acl(ResourceType.TOPIC, "pay-", PatternType.PREFIXED, AclOperation.WRITE,
                    AclPermissionType.ALLOW);
            AclBinding denyAll = acl(ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL,
                    AclPermissionType.DENY);
            AclBinding group = acl(ResourceType.GROUP, "g1", PatternType.LITERAL, AclOperation.READ,
                    AclPermissionType.ALLOW);
            admin.createAcls(List.of(readOrders, writePay, denyAll, group)).all().get();
            assertEquals(Set.of(readOrders, writePay, denyAll, group),
                    new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get()));
            // Filters: by type, by literal name, by prefix, and MATCH (what applies to a name).
            assertEquals(Set.of(group), describe(admin, new ResourcePatternFilter(ResourceType.GROUP, null,
                    PatternType.ANY)));
            assertEquals(Set.of(readOrders), describe(admin, new ResourcePatternFilter(ResourceType.TOPIC, "orders",
                    PatternType.LITERAL)));
            assertEquals(Set.of(writePay), describe(admin, new ResourcePatternFilter(ResourceType.TOPIC, "pay-",
                    PatternType.PREFIXED)));
            assertEquals(Set.of(writePay, denyAll), describe(admin, new ResourcePatternFilter(ResourceType.TOPIC,
                    "pay-eu", PatternType.MATCH)));
            // An invalid ACL is refused on its own.
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createAcls(List.of(
                    new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "other", PatternType.LITERAL),
                            new AccessControlEntry(ME, "*", AclOperation.ALTER, AclPermissionType.ALLOW))))
                    .all().get());
            assertEquals("org.apache.kafka.common.errors.InvalidRequestException", cause(e).getClass().getName());
            // Delete by MATCH, then the rest by ANY.
            Collection<AclBinding> deleted = admin.deleteAcls(List.of(new AclBindingFilter(new ResourcePatternFilter(
                    ResourceType.TOPIC, "pay-eu", PatternType.MATCH), AccessControlEntryFilter.ANY))).all().get();
            assertEquals(Set.of(writePay, denyAll), new HashSet<>(deleted));
            assertEquals(Set.of(readOrders, group), new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values()
                    .get()));
            deleted = admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get();
            assertEquals(Set.of(readOrders, group), new HashSet<>(deleted));
            assertTrue(admin.describeAcls(AclBindingFilter.ANY).values().get().isEmpty());
        }
    }

    private static Set<AclBinding> describe(Admin admin, ResourcePatternFilter f) throws Exception {
        return new HashSet<>(admin.describeAcls(new AclBindingFilter(f, AccessControlEntryFilter.ANY)).values().get());
    }

    @Test
    void aclMatrixWithProducerConsumerAndAdmin() throws Exception {
        // ANONYMOUS may do anything on the cluster (to manage ACLs), and on topics and groups only what ACLs grant.
        try (EmbeddedBroker b = EmbeddedBroker.start(Map.of("authorizer.class.name", AUTHORIZER,
                "auto.create.topics.enable", "false")); Admin admin = admin(b)) {
            for (String t : List.of("open", "locked", "pre-a", "ro-a", "hidden")) {
                b.createTopic(t, 1, Map.of());
            }
            // Without any ACL nothing is allowed, the cluster included.
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeAcls(AclBindingFilter.ANY).values().get());
            assertInstanceOf(ClusterAuthorizationException.class, cause(e));
            assertThrows(Exception.class, () -> produce(b, "open"));
        }
        try (EmbeddedBroker b = EmbeddedBroker.start(Map.of("authorizer.class.name", AUTHORIZER,
                "auto.create.topics.enable", "false", "allow.everyone.if.no.acl.found", "true"));
             Admin admin = admin(b)) {
            for (String t : List.of("open", "locked", "pre-a", "ro-a", "hidden")) {
                b.createTopic(t, 1, Map.of());
            }
            admin.createAcls(List.of(
                    acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.ALL,
                            AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "locked", PatternType.LITERAL, AclOperation.WRITE, AclPermissionType.DENY),
                    acl(ResourceType.TOPIC, "locked", PatternType.LITERAL, AclOperation.READ, AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "pre-", PatternType.PREFIXED, AclOperation.ALL, AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "ro-", PatternType.PREFIXED, AclOperation.READ, AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "hidden", PatternType.LITERAL, AclOperation.DESCRIBE,
                            AclPermissionType.DENY),
                    acl(ResourceType.GROUP, "bad-", PatternType.PREFIXED, AclOperation.READ,
                            AclPermissionType.DENY),
                    acl(ResourceType.TRANSACTIONAL_ID, "tx-denied", PatternType.LITERAL, AclOperation.WRITE,
                            AclPermissionType.DENY))).all().get();
            // Produce: allowed where no ACL exists, by prefix; denied by DENY and where only READ is granted.
            produce(b, "open");
            produce(b, "pre-a");
            ExecutionException pe = assertThrows(ExecutionException.class, () -> produce(b, "locked"));
            assertInstanceOf(TopicAuthorizationException.class, cause(pe));
            pe = assertThrows(ExecutionException.class, () -> produce(b, "ro-a"));
            assertInstanceOf(TopicAuthorizationException.class, cause(pe));
            // Consume: READ by prefix and by literal; the group's READ denied by prefix.
            assertEquals(1, consume(b, "pre-a", "good"));
            assertEquals(0, consume(b, "locked", "good2"), "locked is readable but holds nothing");
            assertThrows(GroupAuthorizationException.class, () -> consume(b, "pre-a", "bad-group"));
            // Transactions: WRITE on the transactional id (open here: it has no ACL), denied by a DENY.
            Properties tx = b.producerProps();
            tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-ok");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(tx)) {
                p.initTransactions();
                p.beginTransaction();
                p.send(new ProducerRecord<>("pre-a", "t".getBytes())).get(10, TimeUnit.SECONDS);
                p.commitTransaction();
            }
            tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-denied");
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(tx)) {
                assertThrows(TransactionalIdAuthorizationException.class, p::initTransactions);
            }
            // Metadata: a topic the principal may not DESCRIBE is not listed, and is refused when named.
            Set<String> listed = admin.listTopics().names().get();
            assertTrue(listed.containsAll(Set.of("open", "locked", "pre-a", "ro-a")), listed.toString());
            assertFalse(listed.contains("hidden"), listed.toString());
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.describeTopics(List.of("hidden")).allTopicNames()
                    .get());
            assertInstanceOf(TopicAuthorizationException.class, cause(e));
            // Authorized operations (KIP-430): READ and DESCRIBE on ro-a; everything on the cluster.
            Set<AclOperation> ops = admin.describeTopics(List.of("ro-a"), new DescribeTopicsOptions()
                    .includeAuthorizedOperations(true)).allTopicNames().get().get("ro-a").authorizedOperations();
            assertEquals(Set.of(AclOperation.READ, AclOperation.DESCRIBE), ops);
            Set<AclOperation> clusterOps = admin.describeCluster(new DescribeClusterOptions()
                    .includeAuthorizedOperations(true)).authorizedOperations().get();
            assertTrue(clusterOps.containsAll(Set.of(AclOperation.ALTER, AclOperation.CREATE, AclOperation.DESCRIBE)),
                    clusterOps.toString());
            // Create and delete topics: DELETE denied on locked (it has ACLs, none grants DELETE).
            admin.createTopics(List.of(new NewTopic("made", 1, (short) 1))).all().get();
            e = assertThrows(ExecutionException.class, () -> admin.deleteTopics(List.of("locked")).all().get());
            assertInstanceOf(TopicAuthorizationException.class, cause(e));
            admin.deleteTopics(List.of("pre-a")).all().get();
            admin.createAcls(List.of(acl(ResourceType.TOPIC, "no-", PatternType.PREFIXED, AclOperation.CREATE,
                    AclPermissionType.DENY))).all().get();
            // Taking the cluster ACL away closes the cluster APIs.
            admin.deleteAcls(List.of(new AclBindingFilter(new ResourcePatternFilter(ResourceType.CLUSTER, null,
                    PatternType.ANY), AccessControlEntryFilter.ANY))).all().get();
            admin.createAcls(List.of(acl(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                    AclOperation.DESCRIBE, AclPermissionType.ALLOW))).all().get();
            e = assertThrows(ExecutionException.class, () -> admin.createAcls(List.of(acl(ResourceType.TOPIC, "x",
                    PatternType.LITERAL, AclOperation.READ, AclPermissionType.ALLOW))).all().get());
            assertInstanceOf(ClusterAuthorizationException.class, cause(e));
            // CREATE on the cluster is gone, but a topic without ACLs is open (allow.everyone.if.no.acl.found);
            // a DENY on a prefix closes the topics under it.
            admin.createTopics(List.of(new NewTopic("made2", 1, (short) 1))).all().get();
            e = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(new NewTopic("no-way", 1,
                    (short) 1))).all().get());
            assertInstanceOf(TopicAuthorizationException.class, cause(e));
        }
    }

    @Test
    void superUserIsAllowedWhatAclsDeny() throws Exception {
        try (EmbeddedBroker b = EmbeddedBroker.start(Map.of("authorizer.class.name", AUTHORIZER,
                "super.users", "User:admin;" + ME)); Admin admin = admin(b)) {
            b.createTopic("t", 1, Map.of());
            admin.createAcls(List.of(acl(ResourceType.TOPIC, "*", PatternType.LITERAL, AclOperation.ALL,
                    AclPermissionType.DENY), acl(ResourceType.GROUP, "*", PatternType.LITERAL, AclOperation.ALL,
                    AclPermissionType.DENY))).all().get();
            produce(b, "t");
            assertEquals(1, consume(b, "t", "g"));
        }
    }
}
