package io.samsa.server.handler.admin;

import io.samsa.metadata.ClientQuotaEntity;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeClientQuotasRequest;
import io.samsa.wire.message.DescribeClientQuotasResponse;
import io.samsa.wire.protocol.Message;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * DescribeClientQuotas (key 48, v0-1, KIP-546): the quotas of the entities that match a filter, from this broker's
 * metadata image. Each filter component names an entity type and matches an exact name (0), the default (1) or any
 * specified name (2); an entity matches when every component matches one of its parts, and, with {@code strict},
 * when it has no other part. A type named twice, an exact match without a name, or a default match with one is
 * {@code INVALID_REQUEST} for the request. Runs on the connection's event loop and answers at once.
 */
public final class DescribeClientQuotasHandler implements ApiHandler {
    private static final byte MATCH_EXACT = 0;
    private static final byte MATCH_DEFAULT = 1;
    private static final byte MATCH_ANY = 2;

    private final BrokerMetadata metadata;

    public DescribeClientQuotasHandler(BrokerMetadata metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeClientQuotasRequest req = (DescribeClientQuotasRequest) request;
        String problem = problem(req);
        if (problem != null) {
            sink.send(new DescribeClientQuotasResponse().setErrorCode(ErrorCode.INVALID_REQUEST.code())
                    .setErrorMessage(problem).setEntries(null));
            return;
        }
        DescribeClientQuotasResponse resp = new DescribeClientQuotasResponse();
        Map<ClientQuotaEntity, Map<String, Double>> all = metadata.image().clientQuotas();
        for (Map.Entry<ClientQuotaEntity, Map<String, Double>> e : all.entrySet()) {
            if (!matches(e.getKey(), req)) {
                continue;
            }
            DescribeClientQuotasResponse.EntryData entry = new DescribeClientQuotasResponse.EntryData();
            e.getKey().components().forEach((type, name) -> entry.entity().add(
                    new DescribeClientQuotasResponse.EntityData().setEntityType(type).setEntityName(name)));
            new TreeMap<>(e.getValue()).forEach((k, v) -> entry.values().add(
                    new DescribeClientQuotasResponse.ValueData().setKey(k).setValue(v)));
            resp.entries().add(entry);
        }
        sink.send(resp);
    }

    private static String problem(DescribeClientQuotasRequest req) {
        Set<String> types = new HashSet<>();
        for (DescribeClientQuotasRequest.ComponentData c : req.components()) {
            if (!types.add(c.entityType())) {
                return "Duplicate entity type " + c.entityType() + " in the filter";
            }
            if (c.matchType() == MATCH_EXACT && c.match() == null) {
                return "Exact match of entity type " + c.entityType() + " without a name";
            }
            if (c.matchType() == MATCH_DEFAULT && c.match() != null) {
                return "Default match of entity type " + c.entityType() + " with a name";
            }
            if (c.matchType() < MATCH_EXACT || c.matchType() > MATCH_ANY) {
                return "Unknown match type " + c.matchType();
            }
        }
        return null;
    }

    /** Whether {@code entity} matches the request's filter. */
    static boolean matches(ClientQuotaEntity entity, DescribeClientQuotasRequest req) {
        Map<String, String> parts = entity.components();
        if (req.strict() && parts.size() != req.components().size()) {
            return false;
        }
        for (DescribeClientQuotasRequest.ComponentData c : req.components()) {
            if (!parts.containsKey(c.entityType())) {
                return false;
            }
            String name = parts.get(c.entityType());
            boolean ok = switch (c.matchType()) {
                case MATCH_EXACT -> c.match().equals(name);
                case MATCH_DEFAULT -> name == null;
                default -> name != null;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
