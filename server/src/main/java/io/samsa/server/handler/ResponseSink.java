package io.samsa.server.handler;

import io.samsa.wire.protocol.Message;

/**
 * Where a handler sends its one answer to a request. Exactly one method is called, once, from any
 * thread; the sink moves the work to the connection's event loop and keeps responses in request order.
 */
public interface ResponseSink {

    /** Sends {@code response}, encoded at the request's version. */
    void send(Message response);

    /** The request gets no response (acks=0 produce); frees its place in the order. */
    void sendNothing();

    /** Closes the connection (Kafka's answer to some malformed requests). */
    void closeConnection(String reason);
}
