package io.samsa.controller;

import io.samsa.metadata.ConfigResource;
import java.util.List;
import java.util.Objects;

/** The changes to one resource in an (Incremental)AlterConfigs request. Immutable. */
public record AlterConfigsRequest(ConfigResource resource, List<AlterConfigOp> ops) {
    public AlterConfigsRequest {
        Objects.requireNonNull(resource, "resource");
        ops = List.copyOf(ops);
    }
}
