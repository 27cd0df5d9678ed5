package io.samsa.server.security.acl;

import io.samsa.controller.AclDeletion;
import io.samsa.controller.ApiResult;
import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclPatternType;
import io.samsa.metadata.AclPermissionType;
import io.samsa.metadata.AclResourceType;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.CreateAclsRequest;
import io.samsa.wire.message.CreateAclsResponse;
import io.samsa.wire.message.DeleteAclsRequest;
import io.samsa.wire.message.DeleteAclsResponse;
import io.samsa.wire.message.DescribeAclsRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * Between the ACL APIs' messages (CreateAcls, DescribeAcls, DeleteAcls) and {@link AclBinding} / {@link AclFilter}:
 * for the handlers, and for a broker that forwards a change to the active controller. Stateless.
 */
public final class AclCodec {
    private AclCodec() {
    }

    /** The ACL of one creation (v0 carries no pattern type: LITERAL, the schema's default). */
    static AclBinding binding(CreateAclsRequest.AclCreation c) {
        return new AclBinding(AclResourceType.forCode(c.resourceType()), c.resourceName(),
                AclPatternType.forCode(c.resourcePatternType()), c.principal(), c.host(),
                AclOperation.forCode(c.operation()), AclPermissionType.forCode(c.permissionType()));
    }

    static AclFilter filter(DescribeAclsRequest r) {
        return new AclFilter(AclResourceType.forCode(r.resourceTypeFilter()), r.resourceNameFilter(),
                AclPatternType.forCode(r.patternTypeFilter()), r.principalFilter(), r.hostFilter(),
                AclOperation.forCode(r.operation()), AclPermissionType.forCode(r.permissionType()));
    }

    static AclFilter filter(DeleteAclsRequest.DeleteAclsFilter f) {
        return new AclFilter(AclResourceType.forCode(f.resourceTypeFilter()), f.resourceNameFilter(),
                AclPatternType.forCode(f.patternTypeFilter()), f.principalFilter(), f.hostFilter(),
                AclOperation.forCode(f.operation()), AclPermissionType.forCode(f.permissionType()));
    }

    /** A CreateAcls request for {@code acls}: what a broker forwards. */
    public static CreateAclsRequest createRequest(List<AclBinding> acls) {
        List<CreateAclsRequest.AclCreation> out = new ArrayList<>(acls.size());
        for (AclBinding a : acls) {
            out.add(new CreateAclsRequest.AclCreation().setResourceType(a.resourceType().code())
                    .setResourceName(a.resourceName()).setResourcePatternType(a.patternType().code())
                    .setPrincipal(a.principal()).setHost(a.host()).setOperation(a.operation().code())
                    .setPermissionType(a.permission().code()));
        }
        return new CreateAclsRequest().setCreations(out);
    }

    /** The results of a CreateAcls response, one per ACL of {@code acls}. */
    public static List<ApiResult<AclBinding>> createResults(CreateAclsResponse r, List<AclBinding> acls) {
        List<ApiResult<AclBinding>> out = new ArrayList<>(acls.size());
        for (int i = 0; i < acls.size(); i++) {
            if (i < r.results().size()) {
                CreateAclsResponse.AclCreationResult c = r.results().get(i);
                ErrorCode code = ErrorCode.forCode(c.errorCode());
                out.add(new ApiResult<>(acls.get(i), code == null ? ErrorCode.UNKNOWN_SERVER_ERROR : code,
                        c.errorMessage()));
            } else {
                out.add(new ApiResult<>(acls.get(i), ErrorCode.UNKNOWN_SERVER_ERROR, "The controller did not answer"));
            }
        }
        return out;
    }

    /** A DeleteAcls request for {@code filters}: what a broker forwards. */
    public static DeleteAclsRequest deleteRequest(List<AclFilter> filters) {
        List<DeleteAclsRequest.DeleteAclsFilter> out = new ArrayList<>(filters.size());
        for (AclFilter f : filters) {
            out.add(new DeleteAclsRequest.DeleteAclsFilter().setResourceTypeFilter(f.resourceType().code())
                    .setResourceNameFilter(f.resourceName()).setPatternTypeFilter(f.patternType().code())
                    .setPrincipalFilter(f.principal()).setHostFilter(f.host()).setOperation(f.operation().code())
                    .setPermissionType(f.permission().code()));
        }
        return new DeleteAclsRequest().setFilters(out);
    }

    /** The results of a DeleteAcls response, one per filter. */
    public static List<AclDeletion> deleteResults(DeleteAclsResponse r) {
        List<AclDeletion> out = new ArrayList<>(r.filterResults().size());
        for (DeleteAclsResponse.DeleteAclsFilterResult f : r.filterResults()) {
            List<AclBinding> deleted = new ArrayList<>();
            for (DeleteAclsResponse.DeleteAclsMatchingAcl m : f.matchingAcls()) {
                deleted.add(new AclBinding(AclResourceType.forCode(m.resourceType()), m.resourceName(),
                        AclPatternType.forCode(m.patternType()), m.principal(), m.host(),
                        AclOperation.forCode(m.operation()), AclPermissionType.forCode(m.permissionType())));
            }
            ErrorCode code = ErrorCode.forCode(f.errorCode());
            out.add(new AclDeletion(code == null ? ErrorCode.UNKNOWN_SERVER_ERROR : code, f.errorMessage(), deleted));
        }
        return out;
    }

    static DeleteAclsResponse.DeleteAclsMatchingAcl matching(AclBinding a) {
        return new DeleteAclsResponse.DeleteAclsMatchingAcl().setErrorCode(ErrorCode.NONE.code())
                .setResourceType(a.resourceType().code()).setResourceName(a.resourceName())
                .setPatternType(a.patternType().code()).setPrincipal(a.principal()).setHost(a.host())
                .setOperation(a.operation().code()).setPermissionType(a.permission().code());
    }
}
