package io.samsa.log;

/**
 * One rejected record of a produce request (Produce v8+, KIP-467): its index inside its batch and why.
 *
 * @param batchIndex the record's position in its batch, from 0
 * @param message    the reason, sent to the client
 */
public record RecordError(int batchIndex, String message) {
}
