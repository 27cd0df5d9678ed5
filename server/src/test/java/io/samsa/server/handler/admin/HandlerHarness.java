package io.samsa.server.handler.admin;

import io.samsa.common.ManualClock;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.Endpoint;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.server.metadata.TestBrokers;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.protocol.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs admin handlers without a network: the broker's real metadata (log, controller, loader) on a
 * temporary directory with a manual clock, broker 1 registered on listener PLAINTEXT, and a sink that
 * captures the one answer. For unit tests; closes the metadata.
 */
final class HandlerHarness implements AutoCloseable {
    static final String LISTENER = "PLAINTEXT";

    final BrokerMetadata metadata;

    HandlerHarness(Path dir, Map<String, String> staticProps) throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        metadata = BrokerMetadata.start(ControllerConfig.builder(1).staticProps(staticProps).clock(clock).build(), dir,
                clock);
        metadata.publishToHandlers();
        TestBrokers.registerUnfenced(metadata, 1, List.of(new Endpoint(LISTENER, "broker1", 9092, "PLAINTEXT")));
    }

    void createTopic(String name, int partitions) throws Exception {
        metadata.whenPublished(metadata.controller().createTopics(List.of(CreateTopicRequest.of(name, partitions, 1)),
                false)).get(10, TimeUnit.SECONDS);
    }

    /** IncrementalAlterConfigs through the controller; returns once the handlers' image has the change. */
    void incrementalAlterConfigs(List<AlterConfigsRequest> resources) throws Exception {
        metadata.whenPublished(metadata.controller().incrementalAlterConfigs(resources, false))
                .get(10, TimeUnit.SECONDS);
    }

    /** Calls {@code handler} with {@code request} at {@code version}; returns the answer it sent. */
    <T extends Message> T call(ApiHandler handler, short apiKey, short version, Message request) throws Exception {
        return call(handler, apiKey, version, request, LISTENER);
    }

    /** As {@link #call(ApiHandler, short, short, Message)}, as if the request came on {@code listener}. */
    @SuppressWarnings("unchecked")
    <T extends Message> T call(ApiHandler handler, short apiKey, short version, Message request, String listener)
            throws Exception {
        CompletableFuture<Message> answer = new CompletableFuture<>();
        RequestContext ctx = new RequestContext(apiKey, version, 1, "test", listener, null, null, null, null, 0L);
        handler.handle(ctx, request, new ResponseSink() {
            @Override
            public void send(Message response) {
                if (!answer.complete(response)) {
                    throw new AssertionError("answered twice");
                }
            }

            @Override
            public void sendNothing() {
                answer.completeExceptionally(new AssertionError("sendNothing"));
            }

            @Override
            public void closeConnection(String reason) {
                answer.completeExceptionally(new AssertionError("closeConnection: " + reason));
            }
        });
        return (T) answer.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        metadata.close();
    }
}
