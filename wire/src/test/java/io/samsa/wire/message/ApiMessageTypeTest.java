package io.samsa.wire.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.protocol.Message;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** The registry against the official client's ApiKeys (4.4.0), plus the APIs Kafka 4 removed. */
class ApiMessageTypeTest {

    @Test
    void everyOfficialApiIsPresentWithTheSameRangesAndHeaderVersions() {
        for (ApiKeys k : ApiKeys.values()) {
            ApiMessageType t = ApiMessageType.fromId(k.id);
            assertNotNull(t, k.name);
            assertEquals(k.name, t.apiName());
            if (k.latestVersion(true) < 0) {
                assertTrue(t.highestVersion() >= 0, k.name + ": Kafka 4 dropped every version, the 3.9 schemas define them");
                continue;
            }
            assertEquals(k.latestVersion(true), t.highestVersion(), k.name);
            assertEquals(k.latestVersion(false), t.highestStableVersion(), k.name);
            assertTrue(t.lowestVersion() <= k.oldestVersion(), k.name);
            for (short v = k.oldestVersion(); v <= k.latestVersion(true); v++) {
                assertEquals(k.requestHeaderVersion(v), t.requestHeaderVersion(v), k.name + " v" + v);
                assertEquals(k.responseHeaderVersion(v), t.responseHeaderVersion(v), k.name + " v" + v);
            }
            Message req = t.newRequest();
            Message resp = t.newResponse();
            assertEquals(k.id, req.apiKey());
            assertEquals(k.id, resp.apiKey());
            assertEquals(t.lowestVersion(), req.lowestSupportedVersion());
            assertEquals(t.highestVersion(), resp.highestSupportedVersion());
        }
    }

    @Test
    void apisOnlyTheLegacySchemasDefineAreKept() {
        ApiMessageType cs = ApiMessageType.fromId(7);
        assertEquals(ApiMessageType.CONTROLLED_SHUTDOWN, cs);
        assertEquals(0, cs.requestHeaderVersion((short) 0));
        assertEquals(1, cs.requestHeaderVersion((short) 1));
        assertEquals(2, cs.requestHeaderVersion((short) 3));
        assertEquals(0, ApiMessageType.LEADER_AND_ISR.lowestVersion());
        assertEquals(7, ApiMessageType.LEADER_AND_ISR.highestVersion());
        assertEquals(0, ApiMessageType.PRODUCE.lowestVersion(), "Produce v0-2 come from the 3.9 schemas");
        assertEquals(9, ApiMessageType.PRODUCE.flexibleVersionStart());
        assertEquals(0, ApiMessageType.API_VERSIONS.responseHeaderVersion((short) 4));
        assertTrue(ApiMessageType.PRODUCE.listeners().contains("broker"));
    }

    @Test
    void unknownIdsAreNull() {
        assertNull(ApiMessageType.fromId(-1));
        assertNull(ApiMessageType.fromId(Short.MAX_VALUE));
        assertNull(ApiMessageType.fromId(ApiMessageType.values().length + 1000));
    }
}
