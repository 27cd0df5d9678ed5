package io.samsa.server.handler.data;

import io.samsa.log.RecordError;
import io.samsa.log.RecordValidationException;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import io.samsa.wire.message.ProduceResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Produce v8+ names the refused records (KIP-467) whether the log refused them for their structure or timestamps. */
class ProduceRecordErrorsTest {
    private static final RecordValidationException REFUSED = new RecordValidationException(ErrorCode.INVALID_TIMESTAMP,
            "2 record(s) rejected", List.of(new RecordError(1, "too old"), new RecordError(3, "too new")));

    @Test
    void v8AndLaterCarryTheIndexesAndMessages() {
        ProduceResponse.PartitionProduceResponse r = new ProduceResponse.PartitionProduceResponse();
        ProduceHandler.setRecordErrors(r, new CompletionException(REFUSED), (short) 8);
        assertEquals(List.of(1, 3), r.recordErrors().stream()
                .map(ProduceResponse.BatchIndexAndErrorMessage::batchIndex).toList());
        assertEquals(List.of("too old", "too new"), r.recordErrors().stream()
                .map(ProduceResponse.BatchIndexAndErrorMessage::batchIndexErrorMessage).toList());
        assertEquals(ErrorCode.INVALID_TIMESTAMP, DataErrors.code(new CompletionException(REFUSED), ""));
    }

    @Test
    void olderVersionsAndOtherErrorsCarryNone() {
        ProduceResponse.PartitionProduceResponse r = new ProduceResponse.PartitionProduceResponse();
        ProduceHandler.setRecordErrors(r, REFUSED, (short) 7);
        assertEquals(List.of(), r.recordErrors());
        ProduceHandler.setRecordErrors(r, new SamsaException(ErrorCode.CORRUPT_MESSAGE, "crc"), (short) 9);
        assertEquals(List.of(), r.recordErrors());
    }
}
