package io.samsa.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.samsa.wire.ErrorCode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JUnit 5 extension: one broker per class, injected as a parameter, faults cleared between tests. */
@ExtendWith(SamsaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SamsaExtensionIT {
    private static EmbeddedSamsa first;

    @Test
    @Order(1)
    void injectsARunningBrokerAndArmsAFault(EmbeddedSamsa samsa) throws Exception {
        first = samsa;
        samsa.failNext(EmbeddedSamsa.ApiKey.API_VERSIONS, 3, ErrorCode.UNKNOWN_SERVER_ERROR);
        try (WireProbe probe = new WireProbe(samsa.port())) {
            probe.sendApiVersions(1);
            assertArrayEquals(new int[] {1, ErrorCode.UNKNOWN_SERVER_ERROR.code()}, probe.readApiVersions());
        }
        assertEquals(2, samsa.faults().remaining(EmbeddedSamsa.ApiKey.API_VERSIONS));
    }

    @Test
    @Order(2)
    void sameBrokerForTheClassWithFaultsCleared(EmbeddedSamsa samsa) throws Exception {
        assertSame(first, samsa);
        assertEquals(0, samsa.faults().remaining(EmbeddedSamsa.ApiKey.API_VERSIONS));
        try (WireProbe probe = new WireProbe(samsa.port())) {
            probe.sendApiVersions(2);
            assertArrayEquals(new int[] {2, 0}, probe.readApiVersions());
        }
    }
}
