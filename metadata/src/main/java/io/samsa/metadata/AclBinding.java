package io.samsa.metadata;

import io.samsa.metadata.record.AccessControlEntryRecord;
import java.util.Objects;
import java.util.UUID;

/**
 * One ACL as the metadata log holds it (an AccessControlEntryRecord without its id): a resource pattern (type, name
 * and LITERAL or PREFIXED), a principal ({@code type:name}, {@code User:*} for everyone), a host ({@code *} for
 * any), an operation and ALLOW or DENY. The codes are Kafka's, as the ACL APIs carry them.
 *
 * <p>Immutable.
 */
public record AclBinding(AclResourceType resourceType, String resourceName, AclPatternType patternType,
                         String principal, String host, AclOperation operation, AclPermissionType permission) {

    public AclBinding {
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceName, "resourceName");
        Objects.requireNonNull(patternType, "patternType");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
    }

    /** The binding an AccessControlEntryRecord holds. */
    public static AclBinding fromRecord(AccessControlEntryRecord r) {
        return new AclBinding(AclResourceType.forCode(r.resourceType()), r.resourceName(),
                AclPatternType.forCode(r.patternType()), r.principal(), r.host(), AclOperation.forCode(r.operation()),
                AclPermissionType.forCode(r.permissionType()));
    }

    /** The record that creates this binding with {@code id}. */
    public AccessControlEntryRecord toRecord(UUID id) {
        return new AccessControlEntryRecord().setId(id).setResourceType(resourceType.code())
                .setResourceName(resourceName).setPatternType(patternType.code()).setPrincipal(principal)
                .setHost(host).setOperation(operation.code()).setPermissionType(permission.code());
    }

    @Override
    public String toString() {
        return "(pattern=" + resourceType + ":" + patternType + ":" + resourceName + ", principal=" + principal
                + ", host=" + host + ", operation=" + operation + ", permission=" + permission + ")";
    }
}
