package io.samsa.server.security.acl;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.TopicImage;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.handler.SupportedApis;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.CreateAclsRequest;
import io.samsa.wire.message.CreateAclsResponse;
import io.samsa.wire.message.DeleteAclsRequest;
import io.samsa.wire.message.DeleteAclsResponse;
import io.samsa.wire.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Authorization of every request before its handler, as Kafka's broker checks it (see docs/security.md, "ACLs", for
 * the check of each API): a request whose one resource is not authorized gets the API's answer with the error code
 * (TOPIC_, GROUP_, CLUSTER_ or TRANSACTIONAL_ID_AUTHORIZATION_FAILED) without reaching its handler; a request over
 * several topics or groups reaches it without the ones not authorized, which {@link PartialChecks} answer with the
 * error beside the handler's answer. Without an authorizer, only the ACL APIs are wrapped: they answer
 * SECURITY_DISABLED, as Kafka does.
 *
 * <p>{@link #wrap} builds the table once at start-up; the wrapped handlers run on the connection's event loop.
 */
public final class AclChecks {
    private static final Logger log = LoggerFactory.getLogger(AclChecks.class);

    /** Inter-broker and controller RPCs: CLUSTER_ACTION on the cluster. */
    private static final short[] CLUSTER_ACTION_APIS = {4, 5, 6, 7, 27, 52, 53, 54, 56, 58, 59, 62, 63, 67, 82};
    /** Cluster-wide changes: ALTER on the cluster (AlterUserScramCredentials 51 too). */
    private static final short[] CLUSTER_ALTER_APIS = {43, 45, 51, 57, 64, 80, 81};
    /** Cluster-wide reads: DESCRIBE on the cluster (DescribeUserScramCredentials 50 too). */
    private static final short[] CLUSTER_DESCRIBE_APIS = {35, 46, 50, 55};
    /** APIs anyone may send: the handshake and authentication ones. */
    private static final short[] OPEN_APIS = {17, 18, 36};

    private AclChecks() {
    }

    /**
     * {@code apis} with every handler behind its check by {@code authorizer} (null: none configured), resolving topic
     * ids through {@code image}. {@code controllerListener}: the table of a controller's own listener, where Fetch
     * is Raft's (CLUSTER_ACTION).
     */
    public static SupportedApis wrap(SupportedApis apis, AclAuthorizer authorizer, Supplier<MetadataImage> image,
                                     boolean controllerListener) {
        SupportedApis.Builder b = SupportedApis.builder();
        for (SupportedApis.Entry e : apis.entries()) {
            ApiHandler h = authorizer != null && e.apiKey() == 58
                    ? EnvelopeChecks.handler(e.handler(), authorizer, (key, inner) -> wrap(key, inner, authorizer,
                            image, controllerListener))
                    : wrap(e.apiKey(), e.handler(), authorizer, image, controllerListener);
            b.add(e.apiKey(), e.minVersion(), e.maxVersion(), h);
        }
        return b.build();
    }

    private static ApiHandler wrap(short apiKey, ApiHandler inner, AclAuthorizer authorizer,
                                   Supplier<MetadataImage> image, boolean controllerListener) {
        if (authorizer == null) {
            return apiKey >= 29 && apiKey <= 31 ? (ctx, req, sink) -> sink.send(aclError(apiKey, req,
                    ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker")) : inner;
        }
        if (contains(OPEN_APIS, apiKey)) {
            return inner;
        }
        if (apiKey == 1 && controllerListener || contains(CLUSTER_ACTION_APIS, apiKey)) {
            return cluster(apiKey, inner, authorizer, AclOperation.CLUSTER_ACTION);
        }
        if (contains(CLUSTER_ALTER_APIS, apiKey) || apiKey == 30 || apiKey == 31) {
            return cluster(apiKey, inner, authorizer, AclOperation.ALTER);
        }
        if (contains(CLUSTER_DESCRIBE_APIS, apiKey) || apiKey == 29) {
            return cluster(apiKey, inner, authorizer, AclOperation.DESCRIBE);
        }
        if (apiKey == 48) {
            return cluster(apiKey, inner, authorizer, AclOperation.DESCRIBE_CONFIGS);  // DescribeClientQuotas
        }
        if (apiKey == 49) {
            return cluster(apiKey, inner, authorizer, AclOperation.ALTER_CONFIGS);  // AlterClientQuotas
        }
        ApiHandler partial = PartialChecks.handler(apiKey, inner, authorizer, image);
        if (partial != null) {
            return partial;
        }
        ApiHandler resource = ResourceChecks.handler(apiKey, inner, authorizer);
        if (resource != null) {
            return resource;
        }
        ApiHandler txn = TxnChecks.handler(apiKey, inner, authorizer);
        if (txn != null) {
            return txn;
        }
        // Not yet checked resource by resource: closed unless the principal may ALTER the cluster.
        return cluster(apiKey, inner, authorizer, AclOperation.ALTER);
    }

    private static ApiHandler cluster(short apiKey, ApiHandler inner, AclAuthorizer authorizer, AclOperation op) {
        return (ctx, req, sink) -> {
            if (authorizer.authorize(ctx, op, AclResourceType.CLUSTER, AclResourceType.CLUSTER_NAME)) {
                inner.handle(ctx, req, sink);
            } else {
                deny(ctx, apiKey, req, sink, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, op + " on the cluster");
            }
        };
    }

    /** Answers {@code req} with {@code code} for the whole request. */
    static void deny(RequestContext ctx, short apiKey, Message req, ResponseSink sink, ErrorCode code, String what) {
        log.debug("{}Principal {} is not authorized for {}", ctx.logPrefix(), ctx.principal(), what);
        Message response = apiKey >= 30 && apiKey <= 31 ? aclError(apiKey, req, code, null) : errorResponse(apiKey,
                code);
        if (response == null) {
            sink.closeConnection("not authorized: " + what);
        } else {
            sink.send(response);
        }
    }

    /**
     * The response of {@code apiKey} with its top-level error code set to {@code code}, or null when the API's
     * response has none (the caller then closes the connection, failing closed).
     */
    static Message errorResponse(short apiKey, ErrorCode code) {
        Message response = ApiMessageType.fromId(apiKey).newResponse();
        try {
            Method set = response.getClass().getMethod("setErrorCode", short.class);
            set.invoke(response, code.code());
            return response;
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static Message aclError(short apiKey, Message req, ErrorCode code, String message) {
        String msg = message != null ? message : code.defaultMessage();
        switch (apiKey) {
            case 29 -> {
                return new io.samsa.wire.message.DescribeAclsResponse().setErrorCode(code.code()).setErrorMessage(msg);
            }
            case 30 -> {
                List<CreateAclsResponse.AclCreationResult> out = new ArrayList<>();
                for (int i = 0; i < ((CreateAclsRequest) req).creations().size(); i++) {
                    out.add(new CreateAclsResponse.AclCreationResult().setErrorCode(code.code()).setErrorMessage(msg));
                }
                return new CreateAclsResponse().setResults(out);
            }
            default -> {
                List<DeleteAclsResponse.DeleteAclsFilterResult> out = new ArrayList<>();
                for (int i = 0; i < ((DeleteAclsRequest) req).filters().size(); i++) {
                    out.add(new DeleteAclsResponse.DeleteAclsFilterResult().setErrorCode(code.code())
                            .setErrorMessage(msg));
                }
                return new DeleteAclsResponse().setFilterResults(out);
            }
        }
    }

    /** The name of topic {@code id} in {@code image}, or null. */
    static String topicName(MetadataImage image, UUID id) {
        TopicImage t = id == null ? null : image.topic(id);
        return t == null ? null : t.name();
    }

    private static boolean contains(short[] keys, short key) {
        for (short k : keys) {
            if (k == key) {
                return true;
            }
        }
        return false;
    }
}
