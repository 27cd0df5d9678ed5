package io.samsa.server.security.acl;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.security.Principal;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.samsa.metadata.AclOperation.ALL;
import static io.samsa.metadata.AclOperation.ALTER;
import static io.samsa.metadata.AclOperation.ALTER_CONFIGS;
import static io.samsa.metadata.AclOperation.CREATE;
import static io.samsa.metadata.AclOperation.DELETE;
import static io.samsa.metadata.AclOperation.DESCRIBE;
import static io.samsa.metadata.AclOperation.DESCRIBE_CONFIGS;
import static io.samsa.metadata.AclOperation.READ;
import static io.samsa.metadata.AclOperation.WRITE;
import static io.samsa.metadata.AclPatternType.LITERAL;
import static io.samsa.metadata.AclPatternType.PREFIXED;
import static io.samsa.metadata.AclPermissionType.ALLOW;
import static io.samsa.metadata.AclPermissionType.DENY;
import static io.samsa.metadata.AclResourceType.CLUSTER;
import static io.samsa.metadata.AclResourceType.GROUP;
import static io.samsa.metadata.AclResourceType.TOPIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclAuthorizerTest {
    private static final Principal ALICE = Principal.user("alice");
    private static final Principal BOB = Principal.user("bob");
    private static final String HOST = "10.0.0.1";

    private final Map<UUID, AclBinding> acls = new HashMap<>();
    private Map<UUID, AclBinding> published = Map.of();
    private final AclAuthorizer authorizer = new AclAuthorizer(Set.of("User:admin"), false, () -> published);

    private void acl(AclResourceType type, String name, AclPatternType pattern, String principal, String host,
                     AclOperation op, AclPermissionType permission) {
        acls.put(UUID.randomUUID(), new AclBinding(type, name, pattern, principal, host, op, permission));
        published = Map.copyOf(acls);
    }

    private boolean may(Principal p, AclOperation op, AclResourceType type, String name) {
        return authorizer.authorize(p, HOST, op, type, name);
    }

    @Test
    void literalAclAllowsOnlyItsResourcePrincipalAndOperation() {
        acl(TOPIC, "orders", LITERAL, "User:alice", "*", WRITE, ALLOW);
        assertTrue(may(ALICE, WRITE, TOPIC, "orders"));
        assertFalse(may(ALICE, READ, TOPIC, "orders"));
        assertFalse(may(ALICE, WRITE, TOPIC, "orders2"));
        assertFalse(may(ALICE, WRITE, GROUP, "orders"));
        assertFalse(may(BOB, WRITE, TOPIC, "orders"));
    }

    @Test
    void prefixedAclCoversEveryNameWithThePrefix() {
        acl(TOPIC, "pay-", PREFIXED, "User:alice", "*", READ, ALLOW);
        assertTrue(may(ALICE, READ, TOPIC, "pay-"));
        assertTrue(may(ALICE, READ, TOPIC, "pay-eu"));
        assertFalse(may(ALICE, READ, TOPIC, "pay"));
        assertFalse(may(ALICE, READ, TOPIC, "xpay-eu"));
    }

    @Test
    void wildcardResourceAndPrincipalMatchEverything() {
        acl(TOPIC, "*", LITERAL, "User:*", "*", READ, ALLOW);
        assertTrue(may(ALICE, READ, TOPIC, "anything"));
        assertTrue(may(new Principal("Group", "ops"), READ, TOPIC, "other"));
        assertFalse(may(ALICE, WRITE, TOPIC, "anything"));
        // A prefixed "*" is a prefix like any other, not a wildcard.
        acl(GROUP, "*", PREFIXED, "User:*", "*", READ, ALLOW);
        assertFalse(may(ALICE, READ, GROUP, "g1"));
        assertTrue(may(ALICE, READ, GROUP, "*g1"));
    }

    @Test
    void denyBeatsAllowWhicheverPatternHoldsIt() {
        acl(TOPIC, "*", LITERAL, "User:*", "*", ALL, ALLOW);
        acl(TOPIC, "secret-", PREFIXED, "User:alice", "*", READ, DENY);
        assertTrue(may(ALICE, READ, TOPIC, "public"));
        assertFalse(may(ALICE, READ, TOPIC, "secret-plans"));
        assertTrue(may(ALICE, WRITE, TOPIC, "secret-plans"));
        assertTrue(may(BOB, READ, TOPIC, "secret-plans"));
        // A DENY of READ does not deny the DESCRIBE that READ implies.
        assertTrue(may(ALICE, DESCRIBE, TOPIC, "secret-plans"));
        acl(TOPIC, "secret-plans", LITERAL, "User:*", "*", ALL, DENY);
        assertFalse(may(BOB, DESCRIBE, TOPIC, "secret-plans"));
    }

    @Test
    void hostMustBeTheClientsAddressOrWildcard() {
        acl(TOPIC, "t", LITERAL, "User:alice", HOST, READ, ALLOW);
        acl(TOPIC, "t", LITERAL, "User:alice", "10.0.0.2", WRITE, ALLOW);
        assertTrue(may(ALICE, READ, TOPIC, "t"));
        assertFalse(may(ALICE, WRITE, TOPIC, "t"));
        assertTrue(authorizer.authorize(ALICE, "10.0.0.2", WRITE, TOPIC, "t"));
        acl(TOPIC, "t", LITERAL, "User:alice", HOST, WRITE, DENY);
        acl(TOPIC, "t", LITERAL, "User:alice", "*", DELETE, ALLOW);
        assertTrue(authorizer.authorize(ALICE, "10.0.0.2", WRITE, TOPIC, "t"));
        assertTrue(authorizer.authorize(ALICE, "10.9.9.9", DELETE, TOPIC, "t"));
    }

    @Test
    void impliedOperationsFollowKafka() {
        for (AclOperation op : new AclOperation[] {READ, WRITE, DELETE, ALTER}) {
            acls.clear();
            acl(TOPIC, "t", LITERAL, "User:alice", "*", op, ALLOW);
            assertTrue(may(ALICE, DESCRIBE, TOPIC, "t"), op + " implies DESCRIBE");
            assertFalse(may(ALICE, DESCRIBE_CONFIGS, TOPIC, "t"), op + " does not imply DESCRIBE_CONFIGS");
        }
        acls.clear();
        acl(TOPIC, "t", LITERAL, "User:alice", "*", ALTER_CONFIGS, ALLOW);
        assertTrue(may(ALICE, DESCRIBE_CONFIGS, TOPIC, "t"));
        assertFalse(may(ALICE, DESCRIBE, TOPIC, "t"));
        acls.clear();
        acl(TOPIC, "t", LITERAL, "User:alice", "*", CREATE, ALLOW);
        assertFalse(may(ALICE, DESCRIBE, TOPIC, "t"));
        acls.clear();
        acl(TOPIC, "t", LITERAL, "User:alice", "*", ALL, ALLOW);
        for (AclOperation op : new AclOperation[] {READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS,
                ALTER_CONFIGS}) {
            assertTrue(may(ALICE, op, TOPIC, "t"), "ALL covers " + op);
        }
    }

    @Test
    void superUserMayDoAnythingEvenWhenDenied() {
        acl(CLUSTER, "kafka-cluster", LITERAL, "User:*", "*", ALL, DENY);
        assertTrue(may(Principal.user("admin"), ALTER, CLUSTER, "kafka-cluster"));
        assertFalse(may(ALICE, ALTER, CLUSTER, "kafka-cluster"));
    }

    @Test
    void resourceWithoutAclsFollowsAllowEveryoneIfNoAclFound() {
        assertFalse(may(ALICE, READ, TOPIC, "t"));
        AclAuthorizer open = new AclAuthorizer(Set.of(), true, () -> published);
        assertTrue(open.authorize(ALICE, HOST, READ, TOPIC, "t"));
        // An ACL for someone else on the resource closes it to the rest.
        acl(TOPIC, "t", LITERAL, "User:bob", "*", READ, ALLOW);
        assertFalse(open.authorize(ALICE, HOST, READ, TOPIC, "t"));
        assertTrue(open.authorize(ALICE, HOST, READ, TOPIC, "u"));
        // So does a prefixed one.
        acl(TOPIC, "u", PREFIXED, "User:bob", "*", READ, ALLOW);
        assertFalse(open.authorize(ALICE, HOST, READ, TOPIC, "u1"));
    }

    @Test
    void authorizedOperationsListTheAllowedBits() {
        acl(TOPIC, "t", LITERAL, "User:alice", "*", READ, ALLOW);
        acl(TOPIC, "t", LITERAL, "User:alice", "*", ALTER_CONFIGS, ALLOW);
        int expected = 1 << READ.code() | 1 << DESCRIBE.code() | 1 << ALTER_CONFIGS.code()
                | 1 << DESCRIBE_CONFIGS.code();
        int bits = 0;
        for (AclOperation op : AclOperation.values()) {
            if (op.code() > 2 && may(ALICE, op, TOPIC, "t")) {
                bits |= 1 << op.code();
            }
        }
        assertEquals(expected, bits);
        assertEquals((1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11),
                AclAuthorizer.allOperations(TOPIC));
    }

    @Test
    void newAclsAreSeenByTheNextCheck() {
        assertFalse(may(ALICE, READ, TOPIC, "t"));
        acl(TOPIC, "t", LITERAL, "User:alice", "*", READ, ALLOW);
        assertTrue(may(ALICE, READ, TOPIC, "t"));
        acls.clear();
        published = Map.of();
        assertFalse(may(ALICE, READ, TOPIC, "t"));
    }

    @Test
    void configTurnsTheAuthorizerOnByKafkasClassName() {
        assertNull(AclAuthorizer.of(io.samsa.server.config.BrokerConfig.from(Map.of()), Map::of));
        AclAuthorizer a = AclAuthorizer.of(io.samsa.server.config.BrokerConfig.from(Map.of(
                "authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER,
                "super.users", "User:admin; User:CN=broker,O=x")), Map::of);
        assertTrue(a.authorize(Principal.user("CN=broker,O=x"), HOST, ALTER, CLUSTER, "kafka-cluster"));
        assertFalse(a.authorize(ALICE, HOST, ALTER, CLUSTER, "kafka-cluster"));
        assertThrows(io.samsa.server.config.ConfigException.class, () -> AclAuthorizer.of(
                io.samsa.server.config.BrokerConfig.from(Map.of("authorizer.class.name", "kafka.security.authorizer"
                        + ".AclAuthorizer")), Map::of));
    }
}
