package io.samsa.server.handler.admin;

import io.samsa.controller.AlterConfigOp;
import io.samsa.metadata.ConfigResource;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.message.AlterConfigsRequest;
import io.samsa.wire.message.AlterConfigsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * AlterConfigs (key 33, v0-2), the legacy form: each TOPIC or BROKER resource's dynamic configs are
 * replaced by exactly the given ones (an omitted key loses its override), or only validated. Errors
 * per resource, from the controller ({@code INVALID_CONFIG} naming the key, unknown topic, ...) or
 * {@code INVALID_REQUEST} for another resource type. Runs on the connection's event loop; the
 * response is built on the controller thread.
 */
public final class AlterConfigsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public AlterConfigsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AlterConfigsRequest req = (AlterConfigsRequest) request;
        ConfigChanges changes = new ConfigChanges();
        for (AlterConfigsRequest.AlterConfigsResource r : req.resources()) {
            ConfigResource resource = changes.resource(r.resourceType(), r.resourceName());
            if (resource != null) {
                List<AlterConfigOp> ops = new ArrayList<>(r.configs().size());
                for (AlterConfigsRequest.AlterableConfig c : r.configs()) {
                    ops.add(AlterConfigOp.set(c.name(), c.value()));
                }
                changes.add(resource, ops);
            }
        }
        changes.send(metadata, false, req.validateOnly(), ctx, sink, errors -> {
            List<AlterConfigsResponse.AlterConfigsResourceResponse> out = new ArrayList<>(errors.size());
            for (int i = 0; i < errors.size(); i++) {
                AlterConfigsRequest.AlterConfigsResource r = req.resources().get(i);
                out.add(new AlterConfigsResponse.AlterConfigsResourceResponse().setResourceType(r.resourceType())
                        .setResourceName(r.resourceName()).setErrorCode(errors.get(i).codeValue())
                        .setErrorMessage(errors.get(i).message()));
            }
            return new AlterConfigsResponse().setResponses(out);
        });
    }
}
