package io.samsa.server.security.acl;

import io.samsa.controller.ApiResult;
import io.samsa.metadata.AclBinding;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.admin.ControllerReplies;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.message.CreateAclsRequest;
import io.samsa.wire.message.CreateAclsResponse;
import io.samsa.wire.protocol.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * CreateAcls (key 30, v0-3): stores ACLs through the controller (AccessControlEntryRecords), one result per creation
 * in request order. Whether an authorizer is on, and ALTER on the cluster, {@link AclChecks} decides before.
 * Runs on the connection's event loop; the response is built on the controller's thread.
 */
public final class CreateAclsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public CreateAclsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        CreateAclsRequest req = (CreateAclsRequest) request;
        List<AclBinding> acls = new ArrayList<>(req.creations().size());
        for (CreateAclsRequest.AclCreation c : req.creations()) {
            acls.add(AclCodec.binding(c));
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().createAcls(acls)), ctx, sink, results -> {
            List<CreateAclsResponse.AclCreationResult> out = new ArrayList<>(results.size());
            for (ApiResult<AclBinding> r : results) {
                out.add(new CreateAclsResponse.AclCreationResult().setErrorCode(r.error().code())
                        .setErrorMessage(r.errorMessage()));
            }
            return new CreateAclsResponse().setResults(out);
        }, error -> {
            List<CreateAclsResponse.AclCreationResult> out = new ArrayList<>(acls.size());
            for (int i = 0; i < acls.size(); i++) {
                out.add(new CreateAclsResponse.AclCreationResult().setErrorCode(error.codeValue())
                        .setErrorMessage(error.message()));
            }
            return new CreateAclsResponse().setResults(out);
        });
    }
}
