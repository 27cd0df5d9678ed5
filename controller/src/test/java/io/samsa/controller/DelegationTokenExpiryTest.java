package io.samsa.controller;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.DelegationTokenSettings;
import io.samsa.wire.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delegation tokens on a running controller: found by HMAC (the index follows the records it appends, and is rebuilt
 * from the log when it starts again), and the active controller's periodic removal of expired tokens.
 */
class DelegationTokenExpiryTest {
    @TempDir
    Path dir;

    @Test
    void theControllerRemovesATokenOnceItsExpiryHasPassed() throws Exception {
        ControllerConfig config = ControllerTestSupport.config(dir, Map.of("delegation.token.secret.key", "k",
                "delegation.token.expiry.time.ms", "60000",
                "delegation.token.expiry.check.interval.ms", "20")).build();
        ManualClock clock = (ManualClock) config.clock();
        try (TestController c = ControllerTestSupport.start(dir, config)) {
            Committed<ApiResult<DelegationTokenData>> created = get(c.controller.createDelegationToken(
                    new DelegationTokenCreation("User:alice", "User:alice", List.of(), -1)));
            String id = created.value().key().tokenId();
            assertEquals(clock.milliseconds() + 60_000, created.value().key().expiryTimestamp());
            get(c.loader().awaitPublished(created.offset()));
            assertTrue(c.image().delegationTokens().containsKey(id));

            // Sweeps run every 20 ms of real time (the unit test covers a token at its expiry, not yet removed).
            clock.advance(60_001);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (c.controller.image().delegationTokens().containsKey(id)) {
                assertTrue(System.nanoTime() < deadline, "the expired token was not removed");
                Thread.sleep(20);
            }
            // The broker side replays the removal too.
            get(c.loader().awaitPublished(c.controller.image().offset()));
            assertTrue(c.image().delegationTokens().isEmpty());
        }
    }

    @Test
    void renewAndExpireFindTheTokenByHmacBeforeAndAfterARestart() throws Exception {
        Map<String, String> props = Map.of("delegation.token.secret.key", "k");
        DelegationTokenSettings settings = DelegationTokenSettings.fromProps(props);
        List<String> ids = new ArrayList<>();
        ControllerConfig config = ControllerTestSupport.config(dir, props).build();
        try (TestController c = ControllerTestSupport.start(dir, config)) {
            for (int i = 0; i < 50; i++) {
                ids.add(get(c.controller.createDelegationToken(new DelegationTokenCreation("User:u" + i,
                        "User:u" + i, List.of(), -1))).value().key().tokenId());
            }
            long now = config.clock().milliseconds();
            assertEquals(ApiResult.ok(now + 1000), get(c.controller.renewDelegationToken(
                    settings.hmac(ids.get(17)), "User:u17", 1000)).value());
            assertEquals(now + 1000, c.controller.image().delegationTokens().get(ids.get(17)).expiryTimestamp());
            assertEquals(ApiResult.ok(now), get(c.controller.expireDelegationToken(settings.hmac(ids.get(3)),
                    "User:u3", -1)).value());
            assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND, get(c.controller.renewDelegationToken(
                    settings.hmac(ids.get(3)), "User:u3", 1000)).value().error());
        }
        try (TestController c = ControllerTestSupport.start(dir, config)) {
            assertEquals(49, c.controller.image().delegationTokens().size());
            long now = config.clock().milliseconds();
            assertEquals(ApiResult.ok(now + 2000), get(c.controller.renewDelegationToken(
                    settings.hmac(ids.get(49)), "User:u49", 2000)).value());
            assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND, get(c.controller.expireDelegationToken(
                    settings.hmac(ids.get(3)), "User:u3", -1)).value().error());
            assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND, get(c.controller.renewDelegationToken(new byte[64],
                    "User:u1", 1000)).value().error());
        }
    }
}
