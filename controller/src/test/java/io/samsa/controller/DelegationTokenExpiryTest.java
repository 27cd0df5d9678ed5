package io.samsa.controller;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.metadata.DelegationTokenData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The active controller's periodic removal of expired delegation tokens, on a running controller. */
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
}
