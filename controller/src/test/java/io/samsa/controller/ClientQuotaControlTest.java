package io.samsa.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.record.ClientQuotaRecord;
import io.samsa.wire.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientQuotaControlTest {

    private static ClientQuotaAlteration entry(List<ClientQuotaAlteration.Component> entity,
                                               ClientQuotaAlteration.Op... ops) {
        return new ClientQuotaAlteration(entity, List.of(ops));
    }

    private static ClientQuotaAlteration.Component user(String name) {
        return new ClientQuotaAlteration.Component("user", name);
    }

    private static ClientQuotaAlteration.Op set(String key, double value) {
        return new ClientQuotaAlteration.Op(key, value, false);
    }

    @Test
    void validEntriesBecomeRecordsAndInvalidOnesAreRefusedAlone() {
        ControllerResult<List<ApiResult<Integer>>> r = ClientQuotaControl.alter(MetadataImage.EMPTY, List.of(
                entry(List.of(user("alice"), new ClientQuotaAlteration.Component("client-id", null)),
                        set("producer_byte_rate", 1024), set("request_percentage", 12.5)),
                entry(List.of()),
                entry(List.of(user("a"), user("b")), set("producer_byte_rate", 1)),
                entry(List.of(new ClientQuotaAlteration.Component("ip", "1.2.3.4")),
                        set("connection_creation_rate", 1)),
                entry(List.of(new ClientQuotaAlteration.Component("group", "g")), set("producer_byte_rate", 1)),
                entry(List.of(user("bob")), set("producer_byte_rate", 1.5)),
                entry(List.of(user("bob")), set("consumer_byte_rate", -1)),
                entry(List.of(user("bob")), set("no_such_quota", 1)),
                entry(List.of(user("bob")), set("producer_byte_rate", 1), set("producer_byte_rate", 2))), false);
        List<ErrorCode> codes = r.response().stream().map(ApiResult::error).toList();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
                ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST,
                ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST), codes);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), r.response().stream().map(ApiResult::key).toList());
        assertTrue(r.response().get(7).errorMessage().contains("no_such_quota"));
        assertEquals(2, r.records().size());
        MetadataImage image = MetadataDelta.replayAll(MetadataImage.EMPTY, r.records(), 0, 1);
        assertEquals(Map.of(ClientQuotaEntity.of(true, "alice", true, null),
                Map.of("producer_byte_rate", 1024.0, "request_percentage", 12.5)), image.clientQuotas());

        // Removing a key that is set writes a removal; removing one that is not writes nothing.
        ControllerResult<List<ApiResult<Integer>>> removal = ClientQuotaControl.alter(image, List.of(entry(
                List.of(user("alice"), new ClientQuotaAlteration.Component("client-id", null)),
                new ClientQuotaAlteration.Op("producer_byte_rate", 0, true),
                new ClientQuotaAlteration.Op("consumer_byte_rate", 0, true))), false);
        assertEquals(1, removal.records().size());
        assertTrue(((ClientQuotaRecord) removal.records().get(0)).remove());

        // Validate-only answers alike and writes nothing.
        ControllerResult<List<ApiResult<Integer>>> validate = ClientQuotaControl.alter(image, List.of(
                entry(List.of(user("carol")), set("consumer_byte_rate", 10))), true);
        assertTrue(validate.response().get(0).isSuccess());
        assertEquals(List.of(), validate.records());
    }
}
