package io.samsa.controller;

import static io.samsa.controller.ControllerTestSupport.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.controller.FeatureUpdate.UpgradeType;
import io.samsa.metadata.BrokerRegistration;
import io.samsa.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UpdateFeatures on the controller (KIP-584, KIP-778): the bootstrap level of a new cluster, upgrades and
 * downgrades of {@code transaction.version} with Kafka's refusals (a level outside 0-2, an unknown feature, a
 * downgrade without its type), all-or-nothing requests, validate-only, removal at level 0, and levels that survive a
 * restart.
 */
class FeatureControlTest {
    private static final String TV = "transaction.version";

    @TempDir
    Path dir;
    private TestController controller;

    @AfterEach
    void tearDown() {
        if (controller != null) {
            controller.close();
        }
    }

    private void start() throws IOException {
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of())
                .bootstrapFeatures(Map.of(TV, (short) 2)).build());
    }

    private List<ApiResult<String>> update(boolean validateOnly, FeatureUpdate... updates) {
        Committed<List<ApiResult<String>>> c = get(controller.controller.updateFeatures(List.of(updates),
                validateOnly));
        get(controller.loader().awaitPublished(c.offset()));
        return c.value();
    }

    private short level() {
        return controller.image().features().getOrDefault(TV, (short) 0);
    }

    private static FeatureUpdate tv(int level, UpgradeType type) {
        return new FeatureUpdate(TV, (short) level, type);
    }

    @Test
    void transactionVersionMovesOnlyTheWaysKafkaAllows() throws IOException {
        start();
        assertEquals(2, level(), "a new cluster finalizes the bootstrap level");

        ApiResult<String> r = update(false, tv(1, UpgradeType.UPGRADE)).get(0);
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, r.error());
        assertEquals("Invalid update version 1 for feature transaction.version. Can't downgrade the version of this "
                + "feature without setting the upgrade type to either safe or unsafe downgrade.", r.errorMessage());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, update(false, tv(3, UpgradeType.UPGRADE)).get(0).error());
        assertEquals("Invalid update version 3 for feature transaction.version. Local controller 1 only supports "
                + "versions 0-2", update(false, tv(3, UpgradeType.UPGRADE)).get(0).errorMessage());
        assertEquals(2, level());

        assertTrue(update(true, tv(1, UpgradeType.SAFE_DOWNGRADE)).get(0).isSuccess());
        assertEquals(2, level(), "validate-only changes nothing");
        // All or nothing: a good update beside a refused one is not applied.
        List<ApiResult<String>> mixed = update(false, tv(1, UpgradeType.SAFE_DOWNGRADE),
                new FeatureUpdate("group.version", (short) 1, UpgradeType.UPGRADE));
        assertTrue(mixed.get(0).isSuccess());
        assertEquals("Invalid update version 1 for feature group.version. Local controller 1 does not support this "
                + "feature.", mixed.get(1).errorMessage());
        assertEquals(2, level());

        assertTrue(update(false, tv(1, UpgradeType.SAFE_DOWNGRADE)).get(0).isSuccess());
        assertEquals(1, level());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, update(false, tv(2, UpgradeType.SAFE_DOWNGRADE)).get(0)
                .error(), "a downgrade to a newer version");
        assertTrue(update(false, tv(0, UpgradeType.UNSAFE_DOWNGRADE)).get(0).isSuccess());
        assertNull(controller.image().features().get(TV), "level 0 removes the feature");
        assertTrue(update(false, tv(2, UpgradeType.UPGRADE)).get(0).isSuccess());

        controller.close();
        controller = ControllerTestSupport.start(dir, ControllerTestSupport.config(dir, Map.of()).build());
        assertEquals(2, level(), "the level is in the log");
    }

    @Test
    void aLevelThatARegisteredBrokerDoesNotSupportIsRefused() throws IOException {
        start();
        assertTrue(update(false, tv(1, UpgradeType.SAFE_DOWNGRADE)).get(0).isSuccess());
        // Registration refuses a broker that does not support a finalized level; 7 joins at level 1.
        get(controller.register(new BrokerRegistrationRequest(7, null, UUID.randomUUID(), List.of(), Map.of(TV,
                new BrokerRegistration.VersionRange((short) 0, (short) 1)), null)));
        get(controller.registerBroker(8, List.of(), null));

        ApiResult<String> r = update(false, tv(2, UpgradeType.UPGRADE)).get(0);
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, r.error());
        assertEquals("Invalid update version 2 for feature transaction.version. Broker 7 only supports versions 0-1",
                r.errorMessage());
        assertEquals(1, level());

        String elr = "eligible.leader.replicas.version";
        assertEquals("Invalid update version 1 for feature eligible.leader.replicas.version. Broker 7 does not "
                + "support this feature.", update(false, new FeatureUpdate(elr, (short) 1, UpgradeType.UPGRADE))
                .get(0).errorMessage());
        assertTrue(update(false, new FeatureUpdate(elr, (short) 0, UpgradeType.SAFE_DOWNGRADE)).get(0).isSuccess(),
                "level 0 needs no broker's support");
        get(controller.unregisterBroker(7));
        assertTrue(update(false, tv(2, UpgradeType.UPGRADE)).get(0).isSuccess(), "the broker that could not is gone");
        assertEquals(2, level());
    }
}
