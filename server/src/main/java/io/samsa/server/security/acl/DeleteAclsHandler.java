package io.samsa.server.security.acl;

import io.samsa.controller.AclDeletion;
import io.samsa.metadata.AclBinding;
import io.samsa.metadata.AclFilter;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ControllerReplies;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.message.DeleteAclsRequest;
import io.samsa.wire.message.DeleteAclsResponse;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * DeleteAcls (key 31, v0-3): deletes the ACLs each filter matches through the controller
 * (RemoveAccessControlEntryRecords), one result per filter with the ACLs it deleted. Whether an authorizer is on, and
 * ALTER on the cluster, {@link AclChecks} decides before. Runs on the connection's event loop; the response is built
 * on the controller's thread.
 */
public final class DeleteAclsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public DeleteAclsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DeleteAclsRequest req = (DeleteAclsRequest) request;
        List<AclFilter> filters = new ArrayList<>(req.filters().size());
        for (DeleteAclsRequest.DeleteAclsFilter f : req.filters()) {
            filters.add(AclCodec.filter(f));
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().deleteAcls(filters)), ctx, sink,
                results -> {
                    List<DeleteAclsResponse.DeleteAclsFilterResult> out = new ArrayList<>(results.size());
                    for (AclDeletion d : results) {
                        List<DeleteAclsResponse.DeleteAclsMatchingAcl> acls = new ArrayList<>();
                        for (AclBinding a : d.deleted()) {
                            acls.add(AclCodec.matching(a));
                        }
                        out.add(new DeleteAclsResponse.DeleteAclsFilterResult().setErrorCode(d.error().code())
                                .setErrorMessage(d.errorMessage()).setMatchingAcls(acls));
                    }
                    return new DeleteAclsResponse().setFilterResults(out);
                }, error -> {
                    List<DeleteAclsResponse.DeleteAclsFilterResult> out = new ArrayList<>(filters.size());
                    for (int i = 0; i < filters.size(); i++) {
                        out.add(new DeleteAclsResponse.DeleteAclsFilterResult().setErrorCode(error.codeValue())
                                .setErrorMessage(error.message()));
                    }
                    return new DeleteAclsResponse().setFilterResults(out);
                });
    }
}
