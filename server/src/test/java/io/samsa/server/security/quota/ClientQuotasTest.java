package io.samsa.server.security.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.common.ManualClock;
import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ClientQuotasTest {
    private static final String KEY = "producer_byte_rate";

    private final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
    private final ClientQuotas quotas = new ClientQuotas(image::get, new ManualClock(0), 11, 1);

    private long offset;

    private void set(ClientQuotaEntity entity, double value) {
        List<Message> records = new ArrayList<>(List.of(entity.toRecord(KEY, value)));
        image.set(MetadataDelta.replayAll(image.get(), records, offset++, 1));
    }

    private void remove(ClientQuotaEntity entity) {
        image.set(MetadataDelta.replayAll(image.get(), List.of(entity.toRecord(KEY, null)), offset++, 1));
    }

    private ClientQuotas.Applied applied(String user, String clientId) {
        return quotas.applied(ClientQuotas.Kind.PRODUCE, user, clientId);
    }

    @Test
    void theEightLevelsApplyInKafkasOrder() {
        assertFalse(quotas.enabled());
        assertNull(applied("alice", "app"));
        set(ClientQuotaEntity.of(false, null, true, null), 8);
        assertEquals(new ClientQuotas.Applied(8, "", "app"), applied("alice", "app"));
        set(ClientQuotaEntity.of(false, null, true, "app"), 7);
        assertEquals(new ClientQuotas.Applied(7, "", "app"), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, null, false, null), 6);
        assertEquals(new ClientQuotas.Applied(6, "alice", ""), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, null, true, null), 5);
        assertEquals(new ClientQuotas.Applied(5, "alice", "app"), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, null, true, "app"), 4);
        assertEquals(new ClientQuotas.Applied(4, "alice", "app"), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, "alice", false, null), 3);
        assertEquals(new ClientQuotas.Applied(3, "alice", ""), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, "alice", true, null), 2);
        assertEquals(new ClientQuotas.Applied(2, "alice", "app"), applied("alice", "app"));
        set(ClientQuotaEntity.of(true, "alice", true, "app"), 1);
        assertEquals(new ClientQuotas.Applied(1, "alice", "app"), applied("alice", "app"));
        assertTrue(quotas.enabled());
        // Another user and client id fall through to the defaults.
        assertEquals(new ClientQuotas.Applied(5, "bob", "other"), applied("bob", "other"));
        // Removing the most specific one uncovers the next.
        remove(ClientQuotaEntity.of(true, "alice", true, "app"));
        assertEquals(new ClientQuotas.Applied(2, "alice", "app"), applied("alice", "app"));
        // Another key is not affected.
        assertNull(quotas.applied(ClientQuotas.Kind.FETCH, "alice", "app"));
    }

    @Test
    void aUserQuotaIsSharedByItsClientIdsAndADefaultIsPerUser() {
        set(ClientQuotaEntity.of(true, "alice", false, null), 100);
        set(ClientQuotaEntity.of(true, null, false, null), 100);
        // 1000 bytes over the 10 s minimum span: 100 B/s, at the quota.
        assertEquals(0, quotas.record(ClientQuotas.Kind.PRODUCE, "alice", "a", 1000));
        // The same user with another client id shares the rate: 200 B/s, throttled (200 - 100) / 100 * 10 s.
        assertEquals(10_000, quotas.record(ClientQuotas.Kind.PRODUCE, "alice", "b", 1000));
        // Each user under the default quota is counted alone.
        assertEquals(0, quotas.record(ClientQuotas.Kind.PRODUCE, "bob", "a", 1000));
        assertEquals(0, quotas.record(ClientQuotas.Kind.PRODUCE, "carol", "a", 1000));
        // No quota for this kind: unlimited.
        assertEquals(0, quotas.record(ClientQuotas.Kind.FETCH, "alice", "a", 1e12));
    }
}
