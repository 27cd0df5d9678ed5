package io.samsa.controller;

import io.samsa.metadata.AclBinding;
import io.samsa.wire.ErrorCode;
import java.util.List;

/** The outcome of one DeleteAcls filter: the ACLs it deleted, or why it could not be used. Immutable. */
public record AclDeletion(ErrorCode error, String errorMessage, List<AclBinding> deleted) {
    public AclDeletion {
        deleted = List.copyOf(deleted);
    }
}
