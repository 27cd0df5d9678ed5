package io.samsa.controller;

import java.util.List;

/**
 * One entry of AlterClientQuotas (KIP-546): the entity's components as the request names them (type, and name or
 * null for the default), and the quota keys to set or remove. Immutable.
 */
public record ClientQuotaAlteration(List<Component> entity, List<Op> ops) {
    public ClientQuotaAlteration {
        entity = List.copyOf(entity);
        ops = List.copyOf(ops);
    }

    /** One component of the entity: {@code name} null is the type's default. */
    public record Component(String type, String name) {
    }

    /** Sets {@code key} to {@code value}, or removes it ({@code remove}; the value is then ignored). */
    public record Op(String key, double value, boolean remove) {
    }
}
