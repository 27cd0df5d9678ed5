package io.samsa.server.security.token;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.security.Principal;
import io.samsa.server.security.acl.AclAuthorizer;
import io.samsa.wire.ErrorCode;

/**
 * What the four delegation token handlers share (KIP-48): the node's token settings, where changes go, the
 * authorizer (null: none configured, and then every check passes, as in Kafka), and Kafka's refusal of token
 * requests from connections that did not authenticate (a PLAINTEXT listener, TLS without a client certificate) or
 * that authenticated with a token. Immutable.
 */
public record TokenRequests(DelegationTokenSettings settings, MetadataChanges metadata, AclAuthorizer authorizer) {

    /** The error that refuses {@code ctx}'s request before anything else, or null. */
    ErrorCode refusal(RequestContext ctx) {
        Principal p = ctx.principal();
        if (p.tokenAuthenticated() || Principal.ANONYMOUS.equals(p)) {
            return ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
        }
        return settings.enabled() ? null : ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED;
    }

    /** Whether the request's principal may do {@code op} on the resource (always without an authorizer). */
    boolean authorize(RequestContext ctx, AclOperation op, AclResourceType type, String name) {
        return authorizer == null || authorizer.authorize(ctx, op, type, name);
    }

    /** The principal {@code type:name} of a request's principal fields; the request's own when the name is unset. */
    static Principal principal(RequestContext ctx, String type, String name) {
        return name == null || name.isEmpty() ? ctx.principal() : new Principal(type == null ? "" : type, name);
    }

    /** The type of {@code principal}, as {@code type:name} writes it. */
    static String typeOf(String principal) {
        return principal.substring(0, principal.indexOf(':'));
    }

    /** The name of {@code principal}, as {@code type:name} writes it. */
    static String nameOf(String principal) {
        return principal.substring(principal.indexOf(':') + 1);
    }
}
