package io.samsa.controller;

import io.samsa.wire.ErrorCode;

import java.util.UUID;

/** The outcome of deleting one topic: its name and id when known, and the error (NONE on success). */
public record DeleteTopicResult(String name, UUID topicId, ErrorCode error, String errorMessage) {
}
