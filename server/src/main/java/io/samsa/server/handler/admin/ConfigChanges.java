package io.samsa.server.handler.admin;

import io.samsa.controller.AlterConfigOp;
import io.samsa.controller.AlterConfigsRequest;
import io.samsa.controller.ApiResult;
import io.samsa.metadata.ConfigResource;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The resources of one AlterConfigs or IncrementalAlterConfigs request on their way to the
 * controller: each is either a change for the controller or refused here (a resource type the
 * controller does not store, an unknown operation). {@link #send} answers with one {@link ApiError}
 * per resource, in request order. Built and sent on the connection's event loop; not reused.
 */
final class ConfigChanges {
    private final List<AlterConfigsRequest> toController = new ArrayList<>();
    private final List<ApiError> refused = new ArrayList<>();

    /** Adds a resource; returns null when its type is supported, else the refusal already recorded. */
    ConfigResource resource(byte type, String name) {
        ConfigResource.Type t = ConfigResource.Type.forId(type);
        if (t == null) {
            refused.add(ApiError.of(ErrorCode.INVALID_REQUEST, "Unsupported resource type: " + type));
            return null;
        }
        return new ConfigResource(t, name);
    }

    void refuse(ApiError error) {
        refused.add(error);
    }

    void add(ConfigResource resource, List<AlterConfigOp> ops) {
        toController.add(new AlterConfigsRequest(resource, ops));
        refused.add(null);
    }

    /**
     * Checks the broker resources with the node first ({@link MetadataChanges#checkBrokerConfigs}: a TLS store that
     * cannot be loaded is refused with INVALID_REQUEST, as Kafka does), then calls the controller with the rest and
     * answers with {@code respond(errors)}, one error per resource.
     */
    void send(MetadataChanges metadata, boolean incremental, boolean validateOnly, RequestContext ctx,
              ResponseSink sink, Function<List<ApiError>, Message> respond) {
        List<CompletableFuture<String>> checks = new ArrayList<>(toController.size());
        for (AlterConfigsRequest r : toController) {
            checks.add(r.resource().type() == ConfigResource.Type.BROKER
                    ? metadata.checkBrokerConfigs(r.resource().name(), r.ops())
                    : CompletableFuture.completedFuture(null));
        }
        CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).whenComplete((v, failure) -> {
            List<AlterConfigsRequest> passed = new ArrayList<>(toController.size());
            int next = 0;
            for (int i = 0; i < refused.size(); i++) {
                if (refused.get(i) != null) {
                    continue;
                }
                AlterConfigsRequest r = toController.get(next);
                CompletableFuture<String> check = checks.get(next++);
                String why = check.isCompletedExceptionally() ? "the check failed: " + failure : check.join();
                if (why == null) {
                    passed.add(r);
                } else {
                    refused.set(i, ApiError.of(ErrorCode.INVALID_REQUEST, "Invalid config value for resource "
                            + "ConfigResource(type=BROKER, name='" + r.resource().name() + "'): " + why));
                }
            }
            toController.clear();
            toController.addAll(passed);
            sendChecked(metadata, incremental, validateOnly, ctx, sink, respond);
        });
    }

    private void sendChecked(MetadataChanges metadata, boolean incremental, boolean validateOnly, RequestContext ctx,
                             ResponseSink sink, Function<List<ApiError>, Message> respond) {
        CompletableFuture<List<ApiResult<ConfigResource>>> f = metadata.whenPublished(incremental
                ? metadata.controller().incrementalAlterConfigs(toController, validateOnly)
                : metadata.controller().alterConfigs(toController, validateOnly));
        ControllerReplies.reply(f, ctx, sink, results -> {
            List<ApiError> out = new ArrayList<>(refused.size());
            int next = 0;
            for (ApiError r : refused) {
                if (r != null) {
                    out.add(r);
                } else {
                    ApiResult<ConfigResource> result = results.get(next++);
                    out.add(result.isSuccess() ? ApiError.NONE : ApiError.of(result.error(), result.errorMessage()));
                }
            }
            return respond.apply(out);
        }, error -> {
            List<ApiError> out = new ArrayList<>(refused.size());
            for (ApiError r : refused) {
                out.add(r != null ? r : error);
            }
            return respond.apply(out);
        });
    }
}
