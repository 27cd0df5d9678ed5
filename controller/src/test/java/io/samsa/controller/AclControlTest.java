package io.samsa.controller;

import static io.samsa.controller.ControllerTestSupport.get;
import static io.samsa.metadata.AclOperation.ALL;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.wire.ErrorCode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateAcls and DeleteAcls on the controller: Kafka's validation, one stored ACL per binding however often it is
 * created, deletion by filters (literal, prefixed, MATCH, ANY), and ACLs that survive a snapshot and a restart.
 */
class AclControlTest {
    private static final AclBinding READ_ORDERS = acl(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW);
    private static final AclBinding WRITE_PAY = acl(TOPIC, "pay-", PREFIXED, "User:bob", WRITE, ALLOW);
    private static final AclBinding DENY_ALL = acl(TOPIC, "*", LITERAL, "User:eve", ALL, DENY);
    private static final AclBinding GROUP_READ = acl(GROUP, "g1", LITERAL, "User:alice", READ, ALLOW);

    @TempDir
    Path dir;
    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private static AclBinding acl(AclResourceType type, String name, AclPatternType pattern, String principal,
                                  AclOperation op, AclPermissionType permission) {
        return new AclBinding(type, name, pattern, principal, "*", op, permission);
    }

    private void start() throws java.io.IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
    }

    private List<ApiResult<AclBinding>> create(AclBinding... acls) {
        Committed<List<ApiResult<AclBinding>>> c = get(controller.controller.createAcls(List.of(acls)));
        get(controller.loader().awaitPublished(c.offset()));
        return c.value();
    }

    private List<AclDeletion> delete(AclFilter... filters) {
        Committed<List<AclDeletion>> c = get(controller.controller.deleteAcls(List.of(filters)));
        get(controller.loader().awaitPublished(c.offset()));
        return c.value();
    }

    private Set<AclBinding> stored() {
        return new HashSet<>(controller.image().acls().values());
    }

    @Test
    void createsEachAclOnceAndRefusesInvalidOnes() throws Exception {
        start();
        List<ApiResult<AclBinding>> r = create(READ_ORDERS, WRITE_PAY, READ_ORDERS,
                acl(TOPIC, "t", AclPatternType.MATCH, "User:a", READ, ALLOW),
                acl(TOPIC, "t", LITERAL, "alice", READ, ALLOW),
                acl(TOPIC, "", LITERAL, "User:a", READ, ALLOW),
                acl(TOPIC, "t", LITERAL, "User:a", AclOperation.ANY, ALLOW),
                acl(TOPIC, "t", LITERAL, "User:a", READ, AclPermissionType.ANY),
                acl(AclResourceType.ANY, "t", LITERAL, "User:a", READ, ALLOW),
                acl(CLUSTER, "other", LITERAL, "User:a", AclOperation.ALTER, ALLOW),
                acl(CLUSTER, "kafka-cluster", LITERAL, "User:a", AclOperation.ALTER, ALLOW));
        List<ErrorCode> codes = r.stream().map(ApiResult::error).toList();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.INVALID_REQUEST,
                ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
                ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE), codes);
        assertEquals(Set.of(READ_ORDERS, WRITE_PAY, acl(CLUSTER, "kafka-cluster", LITERAL, "User:a",
                AclOperation.ALTER, ALLOW)), stored());
        assertEquals(3, controller.image().acls().size(), "a repeated ACL is stored once");
        // Creating it again writes nothing.
        long before = controller.image().offset();
        create(READ_ORDERS);
        assertEquals(3, controller.image().acls().size());
        assertTrue(controller.image().offset() >= before);
    }

    @Test
    void deletesWhatEachFilterMatches() throws Exception {
        start();
        create(READ_ORDERS, WRITE_PAY, DENY_ALL, GROUP_READ);
        // MATCH on a name: its literal ACLs, the wildcard, and the prefixes of the name.
        AclFilter match = new AclFilter(TOPIC, "pay-eu", AclPatternType.MATCH, null, null, AclOperation.ANY,
                AclPermissionType.ANY);
        List<AclDeletion> r = delete(match);
        assertEquals(ErrorCode.NONE, r.get(0).error());
        assertEquals(Set.of(WRITE_PAY, DENY_ALL), new HashSet<>(r.get(0).deleted()));
        assertEquals(Set.of(READ_ORDERS, GROUP_READ), stored());
        // A LITERAL filter of another name matches nothing; an unknown type is refused; ANY matches the rest.
        AclFilter other = new AclFilter(TOPIC, "orders2", LITERAL, null, null, AclOperation.ANY,
                AclPermissionType.ANY);
        AclFilter unknown = new AclFilter(AclResourceType.UNKNOWN, null, AclPatternType.ANY, null, null,
                AclOperation.ANY, AclPermissionType.ANY);
        AclFilter alice = new AclFilter(AclResourceType.ANY, null, AclPatternType.ANY, "User:alice", null,
                AclOperation.ANY, AclPermissionType.ANY);
        r = delete(other, unknown, alice);
        assertEquals(List.of(), r.get(0).deleted());
        assertEquals(ErrorCode.INVALID_REQUEST, r.get(1).error());
        assertEquals(Set.of(READ_ORDERS, GROUP_READ), new HashSet<>(r.get(2).deleted()));
        assertEquals(Set.of(), stored());
    }

    @Test
    void aclsSurviveASnapshotAndARestart() throws Exception {
        start();
        create(READ_ORDERS, WRITE_PAY, DENY_ALL);
        delete(new AclFilter(TOPIC, "*", LITERAL, null, null, AclOperation.ANY, AclPermissionType.ANY));
        get(controller.snapshot());
        create(GROUP_READ);
        controller.close();
        start();
        assertEquals(Set.of(READ_ORDERS, WRITE_PAY, GROUP_READ), stored());
    }
}
