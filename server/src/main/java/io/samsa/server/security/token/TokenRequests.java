package io.samsa.server.security.token;

import io.samsa.metadata.AclOperation;
import io.samsa.metadata.AclResourceType;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.server.security.Principal;
import io.samsa.server.security.acl.AclAuthorizer;
import io.samsa.wire.ErrorCode;
import java.util.Map;

/**
 * What the four delegation token handlers share (KIP-48): the node's token settings, where changes go, the
 * authorizer (null: none configured, and then every check passes, as in Kafka), the security protocol of each of
 * the broker's listeners, and Kafka's refusal of token requests that do not come over a SASL or SSL authenticated
 * channel or that come from a connection authenticated with a token. Immutable.
 *
 * @param securityProtocols the security protocol of each listener, by listener name ({@code PLAINTEXT},
 *                          {@code SSL}, {@code SASL_PLAINTEXT}, {@code SASL_SSL})
 */
public record TokenRequests(DelegationTokenSettings settings, MetadataChanges metadata, AclAuthorizer authorizer,
                            Map<String, String> securityProtocols) {

    public TokenRequests {
        securityProtocols = Map.copyOf(securityProtocols);
    }

    /** The error that refuses {@code ctx}'s request before anything else, or null. */
    ErrorCode refusal(RequestContext ctx) {
        if (!allowed(securityProtocols.get(ctx.listenerName()), ctx.principal())) {
            return ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
        }
        return settings.enabled() ? null : ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED;
    }

    /**
     * Whether a connection over {@code protocol} authenticated as {@code principal} may send the token requests
     * (all four: create, renew, expire and describe). Kafka's rule (KIP-48; its documentation: "only on SASL or SSL
     * authenticated channels", and not when the connection authenticated with a token): refused on PLAINTEXT, on SSL
     * without a client certificate (principal {@code User:ANONYMOUS}) and for a token-authenticated principal; a SASL
     * user is allowed whatever its name. An unknown listener is refused.
     */
    static boolean allowed(String protocol, Principal principal) {
        if (principal.tokenAuthenticated() || protocol == null) {
            return false;
        }
        return switch (protocol) {
            case "SASL_PLAINTEXT", "SASL_SSL" -> true;
            case "SSL" -> !Principal.ANONYMOUS.equals(principal);
            default -> false;
        };
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
