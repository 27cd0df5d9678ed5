package io.samsa.server.security.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.EmbeddedBroker;
import io.samsa.server.KafkaTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kafka-acls.sh} (Kafka's AclCommand, from server/target/kafka-tools) against a broker with the authorizer:
 * adding ACLs (literal and prefixed, allow and deny, a consumer's set), listing them with and without a resource,
 * and removing them; each step checked against the broker's own metadata image.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AclCommandIT {

    private static Set<AclBinding> acls(EmbeddedBroker b) {
        return new HashSet<>(b.broker().services().metadata().image().acls().values());
    }

    @Test
    void addsListsAndRemovesAcls() throws Exception {
        Path config = Files.createTempFile("acl-command", ".properties");
        Files.writeString(config, "request.timeout.ms=5000\ndefault.api.timeout.ms=15000\n");
        try (EmbeddedBroker b = EmbeddedBroker.start(Map.of("authorizer.class.name", AclAuthorizer.STANDARD_AUTHORIZER,
                "super.users", "User:ANONYMOUS"))) {
            KafkaTool tool = new KafkaTool("org.apache.kafka.tools.AclCommand", "--bootstrap-server",
                    b.bootstrapServers(), "--command-config", config.toString());
            tool.ok("--add", "--allow-principal", "User:alice", "--operation", "Read", "--operation", "Write",
                    "--topic", "orders");
            tool.ok("--add", "--deny-principal", "User:eve", "--deny-host", "10.0.0.9", "--operation", "All",
                    "--topic", "pay-", "--resource-pattern-type", "prefixed");
            tool.ok("--add", "--allow-principal", "User:bob", "--consumer", "--topic", "logs", "--group", "g1");
            Set<AclBinding> expected = Set.of(
                    acl(AclResourceType.TOPIC, "orders", AclPatternType.LITERAL, "User:alice", "*", AclOperation.READ,
                            AclPermissionType.ALLOW),
                    acl(AclResourceType.TOPIC, "orders", AclPatternType.LITERAL, "User:alice", "*",
                            AclOperation.WRITE, AclPermissionType.ALLOW),
                    acl(AclResourceType.TOPIC, "pay-", AclPatternType.PREFIXED, "User:eve", "10.0.0.9",
                            AclOperation.ALL, AclPermissionType.DENY),
                    acl(AclResourceType.TOPIC, "logs", AclPatternType.LITERAL, "User:bob", "*", AclOperation.READ,
                            AclPermissionType.ALLOW),
                    acl(AclResourceType.TOPIC, "logs", AclPatternType.LITERAL, "User:bob", "*",
                            AclOperation.DESCRIBE, AclPermissionType.ALLOW),
                    acl(AclResourceType.GROUP, "g1", AclPatternType.LITERAL, "User:bob", "*", AclOperation.READ,
                            AclPermissionType.ALLOW));
            assertEquals(expected, acls(b));

            String all = tool.ok("--list").all();
            assertTrue(all.contains("name=orders, patternType=LITERAL"), all);
            assertTrue(all.contains("name=pay-, patternType=PREFIXED"), all);
            assertTrue(all.contains("principal=User:eve, host=10.0.0.9, operation=ALL, permissionType=DENY"), all);
            assertTrue(all.contains("name=g1, patternType=LITERAL"), all);
            String orders = tool.ok("--list", "--topic", "orders").all();
            assertTrue(orders.contains("principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW"), orders);
            assertFalse(orders.contains("User:bob"), orders);

            tool.ok("--remove", "--force", "--topic", "orders");
            tool.ok("--remove", "--force", "--allow-principal", "User:bob", "--consumer", "--topic", "logs",
                    "--group", "g1");
            assertEquals(Set.of(acl(AclResourceType.TOPIC, "pay-", AclPatternType.PREFIXED, "User:eve", "10.0.0.9",
                    AclOperation.ALL, AclPermissionType.DENY)), acls(b));
            assertFalse(tool.ok("--list").all().contains("orders"));
        } finally {
            Files.deleteIfExists(config);
        }
    }

    private static AclBinding acl(AclResourceType type, String name, AclPatternType pattern, String principal,
                                  String host, AclOperation op, AclPermissionType permission) {
        return new AclBinding(type, name, pattern, principal, host, op, permission);
    }
}
