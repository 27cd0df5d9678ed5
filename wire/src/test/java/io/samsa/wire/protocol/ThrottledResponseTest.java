package io.samsa.wire.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.message.ApiVersionsResponse;
import io.samsa.wire.message.DescribeClientQuotasResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.ProduceResponse;
import org.junit.jupiter.api.Test;

class ThrottledResponseTest {

    @Test
    void responsesWithAThrottleTimeImplementItForTheVersionsThatCarryIt() {
        ThrottledResponse produce = assertInstanceOf(ThrottledResponse.class, new ProduceResponse());
        assertFalse(produce.carriesThrottleTime((short) 0));
        assertTrue(produce.carriesThrottleTime((short) 1));
        assertEquals(250, produce.setThrottleTimeMs(250).throttleTimeMs());
        // ApiVersions has it from v1, DescribeClientQuotas from v0.
        ThrottledResponse apiVersions = assertInstanceOf(ThrottledResponse.class, new ApiVersionsResponse());
        assertFalse(apiVersions.carriesThrottleTime((short) 0));
        assertTrue(apiVersions.carriesThrottleTime((short) 1));
        assertTrue(((ThrottledResponse) new DescribeClientQuotasResponse()).carriesThrottleTime((short) 0));
        assertFalse(produce.carriesThrottleTime((short) 64));
        assertFalse(Object.class.cast(new FetchRequest()) instanceof ThrottledResponse);
    }
}
