package io.samsa.metadata;

import io.samsa.metadata.record.ClientQuotaRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a client quota applies to, as Kafka names it: components by entity type ({@code user}, {@code client-id}),
 * each with a name or null for the type's default ({@code <default>} in {@code kafka-configs.sh}). The entity
 * {user=alice, client-id=null} is "alice's default client id". Immutable; equal by content.
 */
public record ClientQuotaEntity(SortedMap<String, String> components) {
    public static final String USER = "user";
    public static final String CLIENT_ID = "client-id";
    public static final String IP = "ip";

    public ClientQuotaEntity {
        components = Collections.unmodifiableSortedMap(new TreeMap<>(components));
    }

    /** The entity of {@code user} and {@code clientId}, each null for the default or absent when not {@code has}. */
    public static ClientQuotaEntity of(boolean hasUser, String user, boolean hasClientId, String clientId) {
        TreeMap<String, String> m = new TreeMap<>();
        if (hasUser) {
            m.put(USER, user);
        }
        if (hasClientId) {
            m.put(CLIENT_ID, clientId);
        }
        return new ClientQuotaEntity(m);
    }

    /** The entity a ClientQuotaRecord names. */
    public static ClientQuotaEntity fromRecord(ClientQuotaRecord r) {
        TreeMap<String, String> m = new TreeMap<>();
        for (ClientQuotaRecord.EntityData e : r.entity()) {
            m.put(e.entityType(), e.entityName());
        }
        return new ClientQuotaEntity(m);
    }

    /** A record that sets ({@code value} not null) or removes quota {@code key} of this entity. */
    public ClientQuotaRecord toRecord(String key, Double value) {
        List<ClientQuotaRecord.EntityData> entity = new ArrayList<>();
        for (Map.Entry<String, String> e : components.entrySet()) {
            entity.add(new ClientQuotaRecord.EntityData().setEntityType(e.getKey()).setEntityName(e.getValue()));
        }
        return new ClientQuotaRecord().setEntity(entity).setKey(key).setValue(value == null ? 0 : value)
            .setRemove(value == null);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        components.forEach((type, name) -> b.append(b.length() > 1 ? ", " : "").append(type).append('=')
            .append(name == null ? "<default>" : name));
        return b.append('}').toString();
    }
}
