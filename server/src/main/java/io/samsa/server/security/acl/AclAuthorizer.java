package io.samsa.server.security.acl;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.security.Principal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Samsa's authorizer, with the semantics of Kafka's StandardAuthorizer: a super user may do everything; otherwise
 * the ACLs that apply to a resource are its literal ones, the literal {@code *} of its type, and the prefixed ones
 * whose prefix starts its name. Of those, the ones for the principal (or {@code User:*}) and the client's host (or
 * {@code *}) and the operation decide: any DENY wins, else any ALLOW allows. An ALLOW of READ, WRITE, DELETE or
 * ALTER implies DESCRIBE, one of ALTER_CONFIGS implies DESCRIBE_CONFIGS, and ALL covers every operation (for DENY
 * too). A resource without any ACL at all is open only with {@code allow.everyone.if.no.acl.found}.
 *
 * <p>The ACLs are the metadata image's: an index is built the first time a check sees a new ACL map (images share
 * it until ACLs change). Thread-safe: any event loop calls it.
 */
public final class AclAuthorizer {
    /** The authorizer class Kafka's KRaft brokers configure, which turns this authorizer on. */
    public static final String STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** The principal that matches every principal in an ACL. */
    static final String WILDCARD_PRINCIPAL = "User:*";
    static final String WILDCARD = "*";

    private static final Set<AclOperation> IMPLIES_DESCRIBE = EnumSet.of(AclOperation.DESCRIBE, AclOperation.READ,
            AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER);
    private static final Set<AclOperation> IMPLIES_DESCRIBE_CONFIGS = EnumSet.of(AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS);
    /** The operations of each resource type, in the authorized-operations fields (KIP-430). */
    private static final Map<AclResourceType, List<AclOperation>> SUPPORTED = Map.of(
            AclResourceType.TOPIC, List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                    AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS),
            AclResourceType.GROUP, List.of(AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS),
            AclResourceType.CLUSTER, List.of(AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE,
                    AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
                    AclOperation.IDEMPOTENT_WRITE),
            AclResourceType.TRANSACTIONAL_ID, List.of(AclOperation.WRITE, AclOperation.DESCRIBE));

    private final Set<String> superUsers;
    private final boolean allowIfNoAcl;
    private final Supplier<Map<UUID, AclBinding>> acls;
    private volatile Index index = new Index(Map.of());

    public AclAuthorizer(Set<String> superUsers, boolean allowIfNoAcl, Supplier<Map<UUID, AclBinding>> acls) {
        this.superUsers = Set.copyOf(superUsers);
        this.allowIfNoAcl = allowIfNoAcl;
        this.acls = acls;
    }

    /**
     * The authorizer {@code config} asks for over {@code acls}, or null for none ({@code authorizer.class.name}
     * empty).
     *
     * @throws ConfigException for an authorizer class Samsa does not provide
     */
    public static AclAuthorizer of(BrokerConfig config, Supplier<Map<UUID, AclBinding>> acls) {
        String className = config.getString("authorizer.class.name");
        if (className == null || className.isBlank()) {
            return null;
        }
        if (!className.trim().equals(STANDARD_AUTHORIZER)) {
            throw new ConfigException("authorizer.class.name", "authorizer.class.name " + className + " is not available: Samsa provides "
                    + STANDARD_AUTHORIZER + " (its own implementation of its semantics)");
        }
        Set<String> supers = new java.util.HashSet<>();
        String list = config.getString("super.users");
        if (list != null) {
            for (String s : list.split(";")) {
                if (!s.isBlank()) {
                    supers.add(Principal.parse(s.trim()).toString());
                }
            }
        }
        return new AclAuthorizer(supers, config.getBoolean("allow.everyone.if.no.acl.found"), acls);
    }

    /** Whether the request's principal, from its client's host, may do {@code op} on the resource. */
    public boolean authorize(RequestContext ctx, AclOperation op, AclResourceType type, String name) {
        return authorize(ctx.principal(), host(ctx.clientAddress()), op, type, name);
    }

    /** Whether {@code principal} from {@code host} (an address, as {@code InetAddress.getHostAddress}) may. */
    public boolean authorize(Principal principal, String host, AclOperation op, AclResourceType type, String name) {
        String p = principal.toString();
        if (superUsers.contains(p)) {
            return true;
        }
        boolean foundResourceAcl = false;
        boolean allowed = false;
        for (AclBinding acl : index().matching(type, name)) {
            foundResourceAcl = true;
            if (!acl.principal().equals(p) && !acl.principal().equals(WILDCARD_PRINCIPAL)) {
                continue;
            }
            if (!acl.host().equals(WILDCARD) && !acl.host().equals(host)) {
                continue;
            }
            if (!covers(acl, op)) {
                continue;
            }
            if (acl.permission() == AclPermissionType.DENY) {
                return false;
            }
            allowed = true;
        }
        return allowed || !foundResourceAcl && allowIfNoAcl;
    }

    /** Whether {@code acl}'s operation covers {@code op}, by its permission's rules. */
    private static boolean covers(AclBinding acl, AclOperation op) {
        if (acl.operation() == AclOperation.ALL || acl.operation() == op) {
            return true;
        }
        if (acl.permission() != AclPermissionType.ALLOW) {
            return false;
        }
        return op == AclOperation.DESCRIBE && IMPLIES_DESCRIBE.contains(acl.operation())
                || op == AclOperation.DESCRIBE_CONFIGS && IMPLIES_DESCRIBE_CONFIGS.contains(acl.operation());
    }

    /**
     * Whether the request's principal may WRITE some topic (KIP-679: an idempotent producer needs IDEMPOTENT_WRITE on
     * the cluster or this): an ALLOW of WRITE or ALL on any topic pattern for it (or {@code User:*}) from its host,
     * or no topic ACL at all with {@code allow.everyone.if.no.acl.found}.
     */
    public boolean mayWriteSomeTopic(RequestContext ctx) {
        String p = ctx.principal().toString();
        if (superUsers.contains(p)) {
            return true;
        }
        String host = host(ctx.clientAddress());
        boolean anyTopicAcl = false;
        for (AclBinding acl : index().source.values()) {
            if (acl.resourceType() != AclResourceType.TOPIC) {
                continue;
            }
            anyTopicAcl = true;
            if (acl.permission() == AclPermissionType.ALLOW
                    && (acl.operation() == AclOperation.WRITE || acl.operation() == AclOperation.ALL)
                    && (acl.principal().equals(p) || acl.principal().equals(WILDCARD_PRINCIPAL))
                    && (acl.host().equals(WILDCARD) || acl.host().equals(host))) {
                return true;
            }
        }
        return !anyTopicAcl && allowIfNoAcl;
    }

    /** The KIP-430 bit field of the operations of {@code type} the request's principal may do on the resource. */
    public int authorizedOperations(RequestContext ctx, AclResourceType type, String name) {
        int bits = 0;
        for (AclOperation op : SUPPORTED.getOrDefault(type, List.of())) {
            if (authorize(ctx, op, type, name)) {
                bits |= 1 << op.code();
            }
        }
        return bits;
    }

    /** Every operation the resource type supports, as a bit field: the answer without an authorizer. */
    public static int allOperations(AclResourceType type) {
        int bits = 0;
        for (AclOperation op : SUPPORTED.getOrDefault(type, List.of())) {
            bits |= 1 << op.code();
        }
        return bits;
    }

    /** The client's address as ACL hosts name it; empty when unknown (only {@code *} ACLs match). */
    static String host(InetSocketAddress address) {
        return address == null || address.getAddress() == null ? "" : address.getAddress().getHostAddress();
    }

    private Index index() {
        Map<UUID, AclBinding> current = acls.get();
        Index i = index;
        if (i.source != current) {
            i = new Index(current);
            index = i;
        }
        return i;
    }

    /** The ACLs of one map by resource type, literal name and prefix. Immutable once built. */
    private static final class Index {
        final Map<UUID, AclBinding> source;
        final Map<AclResourceType, Map<String, List<AclBinding>>> literal = new HashMap<>();
        final Map<AclResourceType, Map<String, List<AclBinding>>> prefixed = new HashMap<>();
        /** The length of the longest prefix of each type: a name's longer prefixes need no lookup. */
        final Map<AclResourceType, Integer> longestPrefix = new HashMap<>();

        Index(Map<UUID, AclBinding> source) {
            this.source = source;
            for (AclBinding acl : source.values()) {
                switch (acl.patternType()) {
                    case LITERAL -> literal.computeIfAbsent(acl.resourceType(), t -> new HashMap<>())
                            .computeIfAbsent(acl.resourceName(), n -> new ArrayList<>()).add(acl);
                    case PREFIXED -> {
                        prefixed.computeIfAbsent(acl.resourceType(), t -> new HashMap<>())
                                .computeIfAbsent(acl.resourceName(), n -> new ArrayList<>()).add(acl);
                        longestPrefix.merge(acl.resourceType(), acl.resourceName().length(), Math::max);
                    }
                    default -> {
                    }
                }
            }
        }

        List<AclBinding> matching(AclResourceType type, String name) {
            List<AclBinding> out = new ArrayList<>();
            Map<String, List<AclBinding>> lit = literal.get(type);
            if (lit != null) {
                out.addAll(lit.getOrDefault(name, List.of()));
                if (!name.equals(WILDCARD)) {
                    out.addAll(lit.getOrDefault(WILDCARD, List.of()));
                }
            }
            Map<String, List<AclBinding>> pre = prefixed.get(type);
            if (pre != null) {
                int max = Math.min(name.length(), longestPrefix.get(type));
                for (int len = 1; len <= max; len++) {
                    List<AclBinding> l = pre.get(name.substring(0, len));
                    if (l != null) {
                        out.addAll(l);
                    }
                }
            }
            return out;
        }
    }
}
