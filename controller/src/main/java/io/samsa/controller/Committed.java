package io.samsa.controller;

/**
 * The answer to a controller operation and the offset of the metadata log it was committed at: the last record
 * the operation wrote, or, for an operation that wrote nothing, the last record of the state it read. A broker
 * that has published an image at or past {@code offset} shows the operation's effect (read-your-writes).
 * Immutable.
 */
public record Committed<T>(T value, long offset) {
}
