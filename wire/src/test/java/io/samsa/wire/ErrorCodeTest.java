package io.samsa.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void everyOfficialErrorHasTheSameCodeNameAndRetriability() {
        for (Errors official : Errors.values()) {
            ErrorCode ours = ErrorCode.valueOf(official.name());
            assertNotNull(ours, official.name());
            assertEquals(official.code(), ours.code(), official.name());
            boolean retriable = official.exception() instanceof RetriableException;
            assertEquals(retriable, ours.isRetriable(), official.name());
            assertEquals(ours, ErrorCode.forCode(official.code()));
        }
        assertEquals(Errors.values().length, ErrorCode.values().length);
    }

    @Test
    void unknownCodesMapToUnknownServerError() {
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode((short) 9999));
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode((short) -2));
    }
}
