package io.samsa.log;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogConfigTest {
    @Test
    void equalWhenEverySettingIsEqualWhateverTheSpelling() {
        LogConfig a = LogConfig.fromMap(Map.of(LogConfig.RETENTION_MS, "1000", "min.insync.replicas", "2"));
        LogConfig b = LogConfig.fromMap(Map.of(LogConfig.RETENTION_MS, " 1000", "cleanup.policy", "delete"));
        assertEquals(a, b, "keys the log does not use and whitespace do not matter");
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(LogConfig.DEFAULTS, LogConfig.fromMap(Map.of(LogConfig.MAX_MESSAGE_BYTES, "1048588")),
                "an explicit default equals the default");
    }

    @Test
    void differentWhenAnySettingDiffers() {
        Map<String, String> changed = Map.ofEntries(Map.entry(LogConfig.SEGMENT_BYTES, "2000"),
                Map.entry(LogConfig.SEGMENT_MS, "2000"), Map.entry(LogConfig.SEGMENT_JITTER_MS, "5"),
                Map.entry(LogConfig.SEGMENT_INDEX_BYTES, "4096"), Map.entry(LogConfig.INDEX_INTERVAL_BYTES, "10"),
                Map.entry(LogConfig.RETENTION_MS, "-1"), Map.entry(LogConfig.RETENTION_BYTES, "100"),
                Map.entry(LogConfig.FLUSH_MESSAGES, "1"), Map.entry(LogConfig.FLUSH_MS, "10"),
                Map.entry(LogConfig.MAX_MESSAGE_BYTES, "10"),
                Map.entry(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"),
                Map.entry(LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "10"),
                Map.entry(LogConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS, "10"),
                Map.entry(LogConfig.PRODUCER_ID_EXPIRATION_MS, "10"), Map.entry(LogConfig.FILE_DELETE_DELAY_MS, "10"));
        for (Map.Entry<String, String> e : changed.entrySet()) {
            assertNotEquals(LogConfig.DEFAULTS, LogConfig.fromMap(Map.of(e.getKey(), e.getValue())), e.getKey());
        }
    }

    @Test
    void malformedValuesAreInvalidConfig() {
        SamsaException e = assertThrows(SamsaException.class,
                () -> LogConfig.fromMap(Map.of(LogConfig.SEGMENT_BYTES, "lots")));
        assertEquals(ErrorCode.INVALID_CONFIG, e.errorCode());
    }
}
