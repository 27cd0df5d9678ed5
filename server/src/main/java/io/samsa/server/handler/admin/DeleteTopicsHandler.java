package io.samsa.server.handler.admin;

import io.samsa.controller.DeleteTopicResult;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.controller.TopicRef;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DeleteTopicsRequest;
import io.samsa.wire.message.DeleteTopicsResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.ProtocolCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * DeleteTopics (key 20, v0-6): topics by name (v0-5 {@code topic_names}) or, v6+ (KIP-516), by name or
 * id. The controller refuses unknown topics ({@code UNKNOWN_TOPIC_OR_PARTITION}, or
 * {@code UNKNOWN_TOPIC_ID} by id), internal topics ({@code INVALID_REQUEST}) and, with
 * {@code delete.topic.enable=false}, every deletion ({@code TOPIC_DELETION_DISABLED}; before v3,
 * which lacks that code, {@code INVALID_REQUEST} as Kafka answers). Messages from v5.
 *
 * <p>Runs on the connection's event loop; the response is built on the controller thread.
 */
public final class DeleteTopicsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public DeleteTopicsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DeleteTopicsRequest req = (DeleteTopicsRequest) request;
        short version = ctx.apiVersion();
        List<TopicRef> refs = new ArrayList<>();
        if (version >= 6) {
            for (DeleteTopicsRequest.DeleteTopicState t : req.topics()) {
                UUID id = t.topicId() == null || ProtocolCodec.ZERO_UUID.equals(t.topicId()) ? null : t.topicId();
                refs.add(new TopicRef(t.name(), id));
            }
        } else {
            for (String name : req.topicNames()) {
                refs.add(TopicRef.byName(name));
            }
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().deleteTopics(refs)), ctx, sink,
                results -> {
            List<DeleteTopicsResponse.DeletableTopicResult> out = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) {
                DeleteTopicResult r = results.get(i);
                ErrorCode code = r.error() == ErrorCode.TOPIC_DELETION_DISABLED && version < 3
                        ? ErrorCode.INVALID_REQUEST : r.error();
                out.add(result(refs.get(i), r.name(), r.topicId(), ApiError.of(code, r.errorMessage()), version));
            }
            return new DeleteTopicsResponse().setResponses(out);
        }, error -> {
            List<DeleteTopicsResponse.DeletableTopicResult> out = new ArrayList<>(refs.size());
            for (TopicRef ref : refs) {
                out.add(result(ref, ref.name(), ref.id(), error, version));
            }
            return new DeleteTopicsResponse().setResponses(out);
        });
    }

    private static DeleteTopicsResponse.DeletableTopicResult result(TopicRef ref, String name, UUID id,
                                                                    ApiError error, short version) {
        String n = name != null ? name : ref.name();
        if (n == null && version < 6) {
            n = "";
        }
        return new DeleteTopicsResponse.DeletableTopicResult().setName(n)
                .setTopicId(id != null ? id : ProtocolCodec.ZERO_UUID).setErrorCode(error.codeValue())
                .setErrorMessage(error.message());
    }
}
