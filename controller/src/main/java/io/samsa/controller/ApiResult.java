package io.samsa.controller;

import io.samsa.wire.ErrorCode;

/**
 * The outcome for one item of a request that answers only an error: a topic of CreatePartitions
 * (named by {@code name}) or a resource of (Incremental)AlterConfigs. Immutable.
 */
public record ApiResult<K>(K key, ErrorCode error, String errorMessage) {
    public boolean isSuccess() {
        return error == ErrorCode.NONE;
    }

    static <K> ApiResult<K> ok(K key) {
        return new ApiResult<>(key, ErrorCode.NONE, null);
    }
}
