package io.samsa.server.security.acl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.samsa.server.OfficialWire;
import io.samsa.server.SamsaBroker;
import io.samsa.server.config.BrokerConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.EnvelopeRequestData;
import org.apache.kafka.common.message.EnvelopeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalSerde;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ACLs in Kafka's isolated mode, both nodes with the authorizer on: a controller-only node and a broker-only node
 * whose principal (User:ANONYMOUS on plaintext) is a super user, as Kafka's operators make their brokers. The broker
 * registers and heartbeats (CLUSTER_ACTION), forwards CreateAcls and DeleteAcls to the controller in an Envelope,
 * and replays the ACL records into its own image, which its checks then use.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AclClusterIT {
    private static final int CONTROLLER_PORT = 27201; // below the ephemeral range (32768-60999): no outgoing connection can hold it

    @Test
    void brokerForwardsAclChangesAndEnforcesTheReplayedAcls() throws Exception {
        Path dir = Files.createTempDirectory("samsa-acl-cluster");
        String voters = "1@127.0.0.1:" + CONTROLLER_PORT;
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", voters);
        c.put("listeners", "CONTROLLER://127.0.0.1:" + CONTROLLER_PORT);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("log.dirs", dir.resolve("controller").toString());
        c.put("authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER);
        c.put("super.users", "User:ANONYMOUS");
        Map<String, String> b = new LinkedHashMap<>(c);
        b.put("process.roles", "broker");
        b.put("node.id", "2");
        b.put("listeners", "PLAINTEXT://127.0.0.1:27202");
        b.put("log.dirs", dir.resolve("broker").toString());
        b.put("offsets.topic.replication.factor", "1");
        try (SamsaBroker controller = SamsaBroker.start(BrokerConfig.from(c));
             SamsaBroker broker = SamsaBroker.start(BrokerConfig.from(b));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:27202",
                     AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000))) {
            AclBinding deny = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "secret-", PatternType.PREFIXED),
                    new AccessControlEntry("User:bob", "*", AclOperation.ALL, AclPermissionType.DENY));
            AclBinding allow = new AclBinding(new ResourcePattern(ResourceType.GROUP, "*", PatternType.LITERAL),
                    new AccessControlEntry("User:bob", "*", AclOperation.READ, AclPermissionType.ALLOW));
            admin.createAcls(List.of(deny, allow)).all().get();
            assertEquals(Set.of(deny, allow), new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get()));
            assertEquals(2, broker.services().metadata().image().acls().size());
            assertEquals(List.of(deny), List.copyOf(admin.deleteAcls(List.of(new AclBindingFilter(
                    deny.pattern().toFilter(), deny.entry().toFilter()))).all().get()));
            assertEquals(Set.of(allow), new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get()));
            // The super user creates topics through the controller, ACLs or not.
            admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
        }
    }

    @Test
    void withoutSuperUsersNothingIsAllowedOnTheBroker() throws Exception {
        Path dir = Files.createTempDirectory("samsa-acl-single");
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://127.0.0.1:27203");
        props.put("log.dirs", dir.toString());
        props.put("authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER);
        // One node: its broker and controller talk in-process, so no inter-node request needs authorizing.
        try (SamsaBroker node = SamsaBroker.start(BrokerConfig.from(props));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:27203",
                     AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get());
            assertInstanceOf(TopicAuthorizationException.class, e.getCause());
            assertEquals(Set.of(), admin.listTopics().names().get());
        }
    }

    /** The header and body of a CreateTopics request as an Envelope carries them, written by the official classes. */
    private static byte[] createTopics(String topic) {
        short version = 7;
        org.apache.kafka.common.requests.RequestHeader header = new org.apache.kafka.common.requests.RequestHeader(
                ApiKeys.CREATE_TOPICS, version, "forwarded-client", 99);
        CreateTopicsRequestData body = new CreateTopicsRequestData().setTimeoutMs(5000);
        body.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(topic).setNumPartitions(1)
                .setReplicationFactor((short) 1));
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short hv = ApiKeys.CREATE_TOPICS.requestHeaderVersion(version);
        ByteBuffer buf = ByteBuffer.allocate(header.data().size(cache, hv) + body.size(cache, version));
        ByteBufferAccessor acc = new ByteBufferAccessor(buf);
        header.data().write(acc, cache, hv);
        body.write(acc, cache, version);
        return buf.array();
    }

    /** Sends an Envelope with a CreateTopics inside as {@code principal}; returns the envelope's answer. */
    private static EnvelopeResponseData envelope(OfficialWire wire, byte[] principal) throws Exception {
        ByteBuffer r = wire.send(ApiKeys.ENVELOPE, (short) 0, new EnvelopeRequestData()
                .setRequestData(ByteBuffer.wrap(createTopics("t")))
                .setRequestPrincipal(principal).setClientHostAddress(new byte[] {127, 0, 0, 1}));
        EnvelopeResponseData e = new EnvelopeResponseData();
        e.read(new ByteBufferAccessor(r), (short) 0);
        return e;
    }

    private static short innerTopicError(EnvelopeResponseData e) {
        ByteBuffer data = e.responseData();
        org.apache.kafka.common.requests.ResponseHeader.parse(data, ApiKeys.CREATE_TOPICS.responseHeaderVersion(
                (short) 7));
        CreateTopicsResponseData r = new CreateTopicsResponseData();
        r.read(new ByteBufferAccessor(data), (short) 7);
        return r.topics().find("t").errorCode();
    }

    @Test
    void envelopeIsAuthorizedAsItsRequestPrincipal() throws Exception {
        int port = 27204;
        Path dir = Files.createTempDirectory("samsa-acl-envelope");
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@127.0.0.1:" + port);
        c.put("listeners", "CONTROLLER://127.0.0.1:" + port);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("log.dirs", dir.resolve("a").toString());
        c.put("authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER);
        c.put("super.users", "User:ANONYMOUS");
        KafkaPrincipalSerde serde = new DefaultKafkaPrincipalBuilder(null, null);
        try (SamsaBroker controller = SamsaBroker.start(BrokerConfig.from(c)); OfficialWire wire = new OfficialWire(port)) {
            // The forwarding connection (ANONYMOUS, a super user) has CLUSTER_ACTION; the request inside is checked
            // as its own principal: bob may not create topics, ANONYMOUS may (the controller has no broker to place
            // the replica on, so its answer is INVALID_REPLICATION_FACTOR: past the check).
            EnvelopeResponseData bob = envelope(wire, serde.serialize(new KafkaPrincipal("User", "bob")));
            assertEquals(Errors.NONE.code(), bob.errorCode());
            assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), innerTopicError(bob));
            EnvelopeResponseData admin = envelope(wire, serde.serialize(new KafkaPrincipal("User", "ANONYMOUS")));
            assertEquals(Errors.NONE.code(), admin.errorCode());
            assertEquals(Errors.INVALID_REPLICATION_FACTOR.code(), innerTopicError(admin));
            // Samsa's own serialization is Kafka's.
            assertArrayEquals(serde.serialize(new KafkaPrincipal("User", "bob")),
                    io.samsa.server.cluster.Envelopes.principal("User", "bob"));
            assertEquals(Errors.PRINCIPAL_DESERIALIZATION_FAILURE.code(), envelope(wire, new byte[] {9, 9, 9})
                    .errorCode());
        }
        c.put("log.dirs", dir.resolve("b").toString());
        c.remove("super.users");
        try (SamsaBroker controller = SamsaBroker.start(BrokerConfig.from(c)); OfficialWire wire = new OfficialWire(port)) {
            // Without CLUSTER_ACTION the envelope itself is refused.
            assertEquals(Errors.CLUSTER_AUTHORIZATION_FAILED.code(), envelope(wire, serde.serialize(
                    new KafkaPrincipal("User", "ANONYMOUS"))).errorCode());
        }
    }
}
