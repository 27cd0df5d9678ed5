package io.samsa.server.handler.admin;

import io.samsa.controller.AlterConfigOp;
import io.samsa.metadata.ConfigResource;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.IncrementalAlterConfigsRequest;
import io.samsa.wire.message.IncrementalAlterConfigsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * IncrementalAlterConfigs (key 44, v0-1, KIP-339): SET, DELETE, APPEND and SUBTRACT per key on TOPIC
 * and BROKER resources, or only validated. Errors per resource: the controller's
 * ({@code INVALID_CONFIG} for an unknown key, a bad value, or APPEND/SUBTRACT on a non-list config;
 * {@code UNKNOWN_TOPIC_OR_PARTITION}; {@code INVALID_REQUEST} for a key given twice), or
 * {@code INVALID_REQUEST} here for another resource type or an unknown operation. Runs on the
 * connection's event loop; the response is built on the controller thread.
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public IncrementalAlterConfigsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        IncrementalAlterConfigsRequest req = (IncrementalAlterConfigsRequest) request;
        ConfigChanges changes = new ConfigChanges();
        for (IncrementalAlterConfigsRequest.AlterConfigsResource r : req.resources()) {
            ConfigResource resource = changes.resource(r.resourceType(), r.resourceName());
            if (resource == null) {
                continue;
            }
            List<AlterConfigOp> ops = new ArrayList<>(r.configs().size());
            ApiError refused = null;
            for (IncrementalAlterConfigsRequest.AlterableConfig c : r.configs()) {
                AlterConfigOp.OpType op = AlterConfigOp.OpType.forId(c.configOperation());
                if (op == null) {
                    refused = ApiError.of(ErrorCode.INVALID_REQUEST, "Unknown config operation "
                            + c.configOperation() + " for config " + c.name());
                    break;
                }
                ops.add(new AlterConfigOp(c.name(), c.value(), op));
            }
            if (refused != null) {
                changes.refuse(refused);
            } else {
                changes.add(resource, ops);
            }
        }
        changes.send(metadata, true, req.validateOnly(), ctx, sink, errors -> {
            List<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> out = new ArrayList<>(errors.size());
            for (int i = 0; i < errors.size(); i++) {
                IncrementalAlterConfigsRequest.AlterConfigsResource r = req.resources().get(i);
                out.add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse()
                        .setResourceType(r.resourceType()).setResourceName(r.resourceName())
                        .setErrorCode(errors.get(i).codeValue()).setErrorMessage(errors.get(i).message()));
            }
            return new IncrementalAlterConfigsResponse().setResponses(out);
        });
    }
}
