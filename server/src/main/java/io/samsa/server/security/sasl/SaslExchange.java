package io.samsa.server.security.sasl;

/**
 * The server side of one SASL mechanism's exchange on one connection: client tokens in, server tokens out, until
 * it is {@link #complete} and names the user. It knows nothing of frames or transports: the bytes may come in
 * SaslAuthenticate requests or raw (after a v0 SaslHandshake), over plaintext or TLS.
 *
 * <p>Not thread-safe: one connection's event loop drives it.
 */
public interface SaslExchange {

    /** The mechanism's SASL name ({@code PLAIN}, {@code SCRAM-SHA-256}). */
    String mechanism();

    /**
     * Takes the client's next token and returns the server's reply (empty when there is none).
     *
     * @throws Failure when the client fails to authenticate or breaks the mechanism's protocol
     */
    byte[] evaluate(byte[] clientToken) throws Failure;

    /** Whether the exchange has authenticated the client. */
    boolean complete();

    /** The authenticated user's name; only once {@link #complete}. */
    String user();

    /**
     * A failed authentication. {@link #clientMessage} is what the client is told, or null when Kafka tells it only
     * the generic "invalid credentials" message ({@link #genericMessage}); the log gets {@link #getMessage}.
     */
    final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final String clientMessage;

        public Failure(String logMessage, String clientMessage) {
            super(logMessage);
            this.clientMessage = clientMessage;
        }

        public String clientMessage() {
            return clientMessage;
        }

        /** Kafka's answer to a failure whose reason the client is not told. */
        public static String genericMessage(String mechanism) {
            return "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                    + mechanism;
        }
    }
}
