package io.samsa.server.security.acl;

import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeAclsRequest;
import io.samsa.wire.message.DescribeAclsResponse;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * DescribeAcls (key 29, v0-3): the ACLs of this broker's metadata image that the filter matches, grouped by resource
 * pattern. A filter with an unknown type is {@code INVALID_REQUEST}. Whether an authorizer is on, and DESCRIBE on the
 * cluster, {@link AclChecks} decides before. Runs on the connection's event loop.
 */
public final class DescribeAclsHandler implements ApiHandler {
    private final Supplier<Map<UUID, AclBinding>> acls;

    public DescribeAclsHandler(Supplier<Map<UUID, AclBinding>> acls) {
        this.acls = acls;
    }

    /** A resource pattern, the key the response groups ACLs by. */
    private record Pattern(byte type, String name, byte patternType) {
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AclFilter filter = AclCodec.filter((DescribeAclsRequest) request);
        String invalid = filter.invalidReason();
        if (invalid != null) {
            sink.send(new DescribeAclsResponse().setErrorCode(ErrorCode.INVALID_REQUEST.code())
                    .setErrorMessage(invalid));
            return;
        }
        Map<Pattern, List<DescribeAclsResponse.AclDescription>> byPattern = new LinkedHashMap<>();
        for (AclBinding a : acls.get().values()) {
            if (filter.matches(a)) {
                byPattern.computeIfAbsent(new Pattern(a.resourceType().code(), a.resourceName(),
                        a.patternType().code()), p -> new ArrayList<>()).add(new DescribeAclsResponse.AclDescription()
                        .setPrincipal(a.principal()).setHost(a.host()).setOperation(a.operation().code())
                        .setPermissionType(a.permission().code()));
            }
        }
        List<DescribeAclsResponse.DescribeAclsResource> out = new ArrayList<>(byPattern.size());
        byPattern.forEach((p, l) -> out.add(new DescribeAclsResponse.DescribeAclsResource().setResourceType(p.type())
                .setResourceName(p.name()).setPatternType(p.patternType()).setAcls(l)));
        sink.send(new DescribeAclsResponse().setErrorCode(ErrorCode.NONE.code()).setResources(out));
    }
}
