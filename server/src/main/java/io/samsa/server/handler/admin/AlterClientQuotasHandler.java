package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.ClientQuotaAlteration;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.message.AlterClientQuotasRequest;
import io.samsa.wire.message.AlterClientQuotasResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * AlterClientQuotas (key 49, v0-1, KIP-546): sets and removes quotas of user and client-id entities (and their
 * defaults) through the controller ({@code ClientQuotaRecord}s), as {@code kafka-configs.sh --alter
 * --entity-type users|clients} asks. Each entry is answered on its own, echoing its entity; a refused one gets
 * {@code INVALID_REQUEST} (see the controller's {@code ClientQuotaControl}); validate-only checks and writes nothing.
 * Answered once this broker's image shows the change. Thread-safe.
 */
public final class AlterClientQuotasHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public AlterClientQuotasHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AlterClientQuotasRequest req = (AlterClientQuotasRequest) request;
        List<ClientQuotaAlteration> entries = new ArrayList<>(req.entries().size());
        for (AlterClientQuotasRequest.EntryData e : req.entries()) {
            List<ClientQuotaAlteration.Component> entity = new ArrayList<>();
            for (AlterClientQuotasRequest.EntityData c : e.entity()) {
                entity.add(new ClientQuotaAlteration.Component(c.entityType(), c.entityName()));
            }
            List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
            for (AlterClientQuotasRequest.OpData op : e.ops()) {
                ops.add(new ClientQuotaAlteration.Op(op.key(), op.value(), op.remove()));
            }
            entries.add(new ClientQuotaAlteration(entity, ops));
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().alterClientQuotas(entries,
                req.validateOnly())), ctx, sink, r -> response(req, r, null), e -> response(req, null, e));
    }

    private static AlterClientQuotasResponse response(AlterClientQuotasRequest req, List<ApiResult<Integer>> results,
                                                      ApiError failure) {
        AlterClientQuotasResponse resp = new AlterClientQuotasResponse();
        for (int i = 0; i < req.entries().size(); i++) {
            List<AlterClientQuotasResponse.EntityData> entity = new ArrayList<>();
            for (AlterClientQuotasRequest.EntityData c : req.entries().get(i).entity()) {
                entity.add(new AlterClientQuotasResponse.EntityData().setEntityType(c.entityType())
                        .setEntityName(c.entityName()));
            }
            AlterClientQuotasResponse.EntryData out = new AlterClientQuotasResponse.EntryData().setEntity(entity);
            if (failure != null) {
                out.setErrorCode(failure.codeValue()).setErrorMessage(failure.message());
            } else if (i < results.size() && !results.get(i).isSuccess()) {
                out.setErrorCode(results.get(i).error().code()).setErrorMessage(results.get(i).errorMessage());
            }
            resp.entries().add(out);
        }
        return resp;
    }
}
