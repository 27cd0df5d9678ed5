package io.samsa.controller;

import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.metadata.MetadataImage;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Client quotas (KIP-546): validates AlterClientQuotas entries and turns each valid one into ClientQuotaRecords.
 * Entries are independent: one that is refused ({@code INVALID_REQUEST}, with a message naming the problem) does
 * not stop the others. Refused: an empty entity, a type named twice, a type other than {@code user} and
 * {@code client-id} (IP quotas are not supported), an unknown quota key, a key named twice, a byte rate that is not
 * a whole number, and a value that is not a positive finite number. Changes nothing itself.
 *
 * <p>Not thread-safe: runs on the controller thread.
 */
final class ClientQuotaControl {
    /** The quota keys of user and client-id entities, and whether each takes whole numbers only. */
    static final Map<String, Boolean> KEYS = Map.of(
        "producer_byte_rate", true,
        "consumer_byte_rate", true,
        "request_percentage", false,
        "controller_mutation_rate", false);

    private ClientQuotaControl() {
    }

    static ControllerResult<List<ApiResult<Integer>>> alter(MetadataImage image, List<ClientQuotaAlteration> entries,
                                                            boolean validateOnly) {
        List<Message> records = new ArrayList<>();
        List<ApiResult<Integer>> results = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            ClientQuotaAlteration entry = entries.get(i);
            String problem = problem(entry);
            if (problem != null) {
                results.add(new ApiResult<>(i, ErrorCode.INVALID_REQUEST, problem));
                continue;
            }
            results.add(ApiResult.ok(i));
            ClientQuotaEntity entity = entity(entry);
            Map<String, Double> current = image.clientQuotas().getOrDefault(entity, Map.of());
            for (ClientQuotaAlteration.Op op : entry.ops()) {
                if (op.remove() && current.containsKey(op.key())) {
                    records.add(entity.toRecord(op.key(), null));
                } else if (!op.remove()) {
                    records.add(entity.toRecord(op.key(), op.value()));
                }
            }
        }
        return new ControllerResult<>(validateOnly ? List.of() : records, results);
    }

    static ClientQuotaEntity entity(ClientQuotaAlteration entry) {
        TreeMap<String, String> m = new TreeMap<>();
        for (ClientQuotaAlteration.Component c : entry.entity()) {
            m.put(c.type(), c.name());
        }
        return new ClientQuotaEntity(m);
    }

    private static String problem(ClientQuotaAlteration entry) {
        if (entry.entity().isEmpty()) {
            return "Invalid empty client quota entity";
        }
        Set<String> types = new HashSet<>();
        for (ClientQuotaAlteration.Component c : entry.entity()) {
            if (!types.add(c.type())) {
                return "Entity type " + c.type() + " is named twice in the entity";
            }
            if (ClientQuotaEntity.IP.equals(c.type())) {
                return "IP quotas (connection_creation_rate) are not supported";
            }
            if (!ClientQuotaEntity.USER.equals(c.type()) && !ClientQuotaEntity.CLIENT_ID.equals(c.type())) {
                return "Unhandled client quota entity type: " + c.type();
            }
        }
        Set<String> keys = new HashSet<>();
        for (ClientQuotaAlteration.Op op : entry.ops()) {
            Boolean whole = KEYS.get(op.key());
            if (whole == null) {
                return "Invalid configuration key " + op.key();
            }
            if (!keys.add(op.key())) {
                return "Quota key " + op.key() + " is named twice for one entity";
            }
            if (op.remove()) {
                continue;
            }
            if (!(op.value() > 0) || Double.isInfinite(op.value())) {
                return "Quota " + op.key() + " must be a positive number, not " + op.value();
            }
            if (whole && op.value() != Math.rint(op.value())) {
                return "Quota " + op.key() + " must be a whole number of bytes per second, not " + op.value();
            }
        }
        return null;
    }
}
