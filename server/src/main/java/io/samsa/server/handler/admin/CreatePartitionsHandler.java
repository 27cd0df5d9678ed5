package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.CreatePartitionsRequest;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.message.CreatePartitionsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * CreatePartitions (key 37, v0-3): grows topics to a new partition count, with automatic placement or
 * the given replica lists, or only validates ({@code validate_only}). The controller checks the rules
 * (unknown topic, not an increase, internal topic, assignment count and brokers) and its code and
 * message go to the client per topic.
 *
 * <p>Runs on the connection's event loop; the response is built on the controller thread.
 */
public final class CreatePartitionsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public CreatePartitionsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        io.samsa.wire.message.CreatePartitionsRequest req = (io.samsa.wire.message.CreatePartitionsRequest) request;
        List<CreatePartitionsRequest> topics = new ArrayList<>(req.topics().size());
        for (io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsTopic t : req.topics()) {
            List<List<Integer>> assignments = null;
            if (t.assignments() != null) {
                assignments = new ArrayList<>(t.assignments().size());
                for (io.samsa.wire.message.CreatePartitionsRequest.CreatePartitionsAssignment a : t.assignments()) {
                    assignments.add(a.brokerIds());
                }
            }
            topics.add(new CreatePartitionsRequest(t.name(), t.count(), assignments));
        }
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().createPartitions(topics,
                req.validateOnly())), ctx, sink, results -> {
            List<CreatePartitionsResponse.CreatePartitionsTopicResult> out = new ArrayList<>(results.size());
            for (ApiResult<String> r : results) {
                out.add(new CreatePartitionsResponse.CreatePartitionsTopicResult().setName(r.key())
                        .setErrorCode(r.error().code()).setErrorMessage(r.errorMessage()));
            }
            return new CreatePartitionsResponse().setResults(out);
        }, error -> {
            List<CreatePartitionsResponse.CreatePartitionsTopicResult> out = new ArrayList<>(topics.size());
            for (CreatePartitionsRequest t : topics) {
                out.add(new CreatePartitionsResponse.CreatePartitionsTopicResult().setName(t.topic())
                        .setErrorCode(error.codeValue()).setErrorMessage(error.message()));
            }
            return new CreatePartitionsResponse().setResults(out);
        });
    }
}
