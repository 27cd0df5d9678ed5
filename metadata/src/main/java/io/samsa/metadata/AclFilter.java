package io.samsa.metadata;

/**
 * Which ACLs a DescribeAcls request describes or a DeleteAcls filter deletes: null names, principals and hosts and
 * ANY types match everything; pattern type MATCH matches the ACLs that apply to the named resource (the literal
 * name, the {@code *} wildcard and every prefix of it), ANY the literal and prefixed patterns of exactly that name.
 *
 * <p>Immutable.
 */
public record AclFilter(AclResourceType resourceType, String resourceName, AclPatternType patternType,
                        String principal, String host, AclOperation operation, AclPermissionType permission) {

    /** The filter that matches every ACL. */
    public static final AclFilter ANY = new AclFilter(AclResourceType.ANY, null, AclPatternType.ANY, null, null,
            AclOperation.ANY, AclPermissionType.ANY);

    /** Whether {@code acl} matches this filter. */
    public boolean matches(AclBinding acl) {
        return matchesPattern(acl) && (principal == null || principal.equals(acl.principal()))
                && (host == null || host.equals(acl.host()))
                && (operation == AclOperation.ANY || operation == acl.operation())
                && (permission == AclPermissionType.ANY || permission == acl.permission());
    }

    private boolean matchesPattern(AclBinding acl) {
        if (resourceType != AclResourceType.ANY && resourceType != acl.resourceType()) {
            return false;
        }
        if (patternType != AclPatternType.ANY && patternType != AclPatternType.MATCH
                && patternType != acl.patternType()) {
            return false;
        }
        if (resourceName == null) {
            return true;
        }
        if (patternType != AclPatternType.MATCH) {
            return resourceName.equals(acl.resourceName());
        }
        return switch (acl.patternType()) {
            case LITERAL -> resourceName.equals(acl.resourceName()) || acl.resourceName().equals("*");
            case PREFIXED -> resourceName.startsWith(acl.resourceName());
            default -> false;
        };
    }

    /** Why this filter cannot be used (a type Kafka does not define), or null when it can. */
    public String invalidReason() {
        if (resourceType == AclResourceType.UNKNOWN) {
            return "Unknown resource type in the filter";
        }
        if (patternType == AclPatternType.UNKNOWN) {
            return "Unknown pattern type in the filter";
        }
        if (operation == AclOperation.UNKNOWN) {
            return "Unknown operation in the filter";
        }
        if (permission == AclPermissionType.UNKNOWN) {
            return "Unknown permission type in the filter";
        }
        return null;
    }
}
