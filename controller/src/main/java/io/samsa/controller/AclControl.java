package io.samsa.controller;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.RemoveAccessControlEntryRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * CreateAcls and DeleteAcls on the controller: validates each ACL as Kafka's controller does, writes an
 * AccessControlEntryRecord (with a new id) for each ACL not already present, and a RemoveAccessControlEntryRecord
 * for each ACL a delete filter matches. Stateless: reads the working image. Runs on the controller's executor.
 */
final class AclControl {
    private final Supplier<UUID> ids;

    AclControl(Supplier<UUID> ids) {
        this.ids = ids;
    }

    /** One result per ACL, in request order; an ACL that exists already succeeds without a record. */
    ControllerResult<List<ApiResult<AclBinding>>> createAcls(MetadataImage image, List<AclBinding> acls) {
        Set<AclBinding> existing = new HashSet<>(image.acls().values());
        List<Message> records = new ArrayList<>();
        List<ApiResult<AclBinding>> results = new ArrayList<>();
        for (AclBinding acl : acls) {
            String invalid = invalidReason(acl);
            if (invalid != null) {
                results.add(new ApiResult<>(acl, ErrorCode.INVALID_REQUEST, invalid));
                continue;
            }
            if (existing.add(acl)) {
                records.add(acl.toRecord(ids.get()));
            }
            results.add(ApiResult.ok(acl));
        }
        return new ControllerResult<>(records, results);
    }

    /**
     * One result per filter, in request order: the ACLs it deleted, or an error. An ACL that two filters match is
     * removed once and reported by both.
     */
    ControllerResult<List<AclDeletion>> deleteAcls(MetadataImage image, List<AclFilter> filters) {
        Map<UUID, AclBinding> removed = new LinkedHashMap<>();
        List<AclDeletion> results = new ArrayList<>();
        for (AclFilter filter : filters) {
            String invalid = filter.invalidReason();
            if (invalid != null) {
                results.add(new AclDeletion(ErrorCode.INVALID_REQUEST, invalid, List.of()));
                continue;
            }
            List<AclBinding> matched = new ArrayList<>();
            image.acls().forEach((id, acl) -> {
                if (filter.matches(acl)) {
                    matched.add(acl);
                    removed.put(id, acl);
                }
            });
            results.add(new AclDeletion(ErrorCode.NONE, null, matched));
        }
        List<Message> records = new ArrayList<>();
        for (UUID id : removed.keySet()) {
            records.add(new RemoveAccessControlEntryRecord().setId(id));
        }
        return new ControllerResult<>(records, results);
    }

    /** Why Kafka refuses to store {@code acl} (INVALID_REQUEST), or null. */
    static String invalidReason(AclBinding acl) {
        if (acl.resourceType() == AclResourceType.UNKNOWN || acl.resourceType() == AclResourceType.ANY) {
            return "Invalid resource type " + acl.resourceType();
        }
        if (acl.patternType() != AclPatternType.LITERAL && acl.patternType() != AclPatternType.PREFIXED) {
            return "Invalid patternType " + acl.patternType();
        }
        if (acl.operation() == AclOperation.ANY || acl.operation() == AclOperation.UNKNOWN) {
            return "Invalid operation " + acl.operation();
        }
        if (acl.permission() != AclPermissionType.ALLOW && acl.permission() != AclPermissionType.DENY) {
            return "Invalid permissionType " + acl.permission();
        }
        if (acl.resourceName().isEmpty()) {
            return "Resource name should not be empty";
        }
        if (acl.resourceType() == AclResourceType.CLUSTER
                && !acl.resourceName().equals(AclResourceType.CLUSTER_NAME)) {
            return "The only valid name for the CLUSTER resource is " + AclResourceType.CLUSTER_NAME;
        }
        int colon = acl.principal().indexOf(':');
        if (colon <= 0) {
            return "Could not parse principal from `" + acl.principal() + "` (no colon is present separating the "
                    + "principal type from the principal name)";
        }
        return null;
    }
}
