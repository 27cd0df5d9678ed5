package io.samsa.server.security.token;

import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.server.BrokerServices;
import io.samsa.server.config.Endpoint;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.handler.admin.AdminApis;
import io.samsa.server.security.acl.AclAuthorizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers the delegation token APIs (KIP-48) in the broker's table: CreateDelegationToken (38, v1-3),
 * RenewDelegationToken (39, v1-2), ExpireDelegationToken (40, v1-2) and DescribeDelegationToken (41, v1-3), the
 * versions Kafka 4 serves. Each checks its principal itself ({@link TokenRequests}), so {@code AclChecks} lets them
 * through. Called once at start-up.
 */
public final class DelegationTokenApis {
    private DelegationTokenApis() {
    }

    /**
     * The token changes a broker forwards to the active controller in an Envelope ({@link ForwardedTokenHandler}):
     * served only inside Envelopes, never straight on the controller listener.
     */
    public static final List<AdminApis.ChangeApi> FORWARDED = List.of(
            new AdminApis.ChangeApi((short) 38, 1, 3, ForwardedTokenHandler::new),
            new AdminApis.ChangeApi((short) 39, 1, 2, ForwardedTokenHandler::new),
            new AdminApis.ChangeApi((short) 40, 1, 2, ForwardedTokenHandler::new));

    /**
     * @param authorizer  the broker's authorizer, null when none is configured
     * @param credentials the broker's token credentials, which keep each published token's HMAC
     */
    public static void register(SupportedApis.Builder apis, BrokerServices services, AclAuthorizer authorizer,
                                TokenCredentials credentials) {
        Map<String, String> protocols = new HashMap<>();
        for (Endpoint e : services.config().brokerListeners()) {
            protocols.put(e.listenerName(), e.securityProtocol());
        }
        TokenRequests tokens = new TokenRequests(DelegationTokenSettings.fromProps(services.config().originals()),
                services.metadata(), authorizer, protocols);
        apis.add((short) 38, 1, 3, new CreateDelegationTokenHandler(tokens));
        apis.add((short) 39, 1, 2, RenewDelegationTokenHandler.renew(tokens));
        apis.add((short) 40, 1, 2, RenewDelegationTokenHandler.expire(tokens));
        apis.add((short) 41, 1, 3, new DescribeDelegationTokenHandler(tokens,
                () -> services.metadata().image().delegationTokens(), credentials::hmac));
    }
}
