package io.samsa.server.security.sasl;

import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server side of SCRAM (RFC 5802, SHA-256 per RFC 7677, and SHA-512) as Kafka runs it (KIP-84): no channel
 * binding ({@code n,,} or {@code n,a=<user>,}), extensions after the nonce ignored, the user's credential from
 * {@link ScramCredentials}. Two rounds:
 *
 * <pre>
 *   client-first  n,,n=user,r=cnonce            -> server-first  r=cnonce+snonce,s=salt,i=iterations
 *   client-final  c=biws,r=cnonce+snonce,p=proof -> server-final  v=server-signature
 * </pre>
 *
 * The proof is checked by recovering ClientKey = proof XOR HMAC(StoredKey, AuthMessage) and comparing H(ClientKey)
 * with StoredKey in constant time. An unknown user, a credential with fewer iterations than the mechanism's minimum,
 * a final nonce that does not end with the one the server issued (Kafka's rule, which librdkafka's repeated client
 * nonce needs) or a wrong proof fail the exchange.
 *
 * <p>Not thread-safe: one per connection attempt.
 */
final class ScramExchange implements SaslExchange {
    /**
     * DRBG, seeded once ({@link #warmUp}, at start-up): later nonces are computed without reading the OS's entropy
     * source, which would block an event loop.
     */
    private static final SecureRandom RANDOM = drbg();

    private enum State { FIRST, FINAL, COMPLETE, FAILED }

    private final ScramMechanism mechanism;
    private final ScramCredentials credentials;
    private final String serverNonceOverride;
    private State state = State.FIRST;
    private String user;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private ScramCredentialData credential;

    ScramExchange(ScramMechanism mechanism, ScramCredentials credentials) {
        this(mechanism, credentials, null);
    }

    /** With a fixed server nonce: RFC test vectors only. */
    ScramExchange(ScramMechanism mechanism, ScramCredentials credentials, String serverNonce) {
        this.mechanism = mechanism;
        this.credentials = credentials;
        this.serverNonceOverride = serverNonce;
    }

    @Override
    public String mechanism() {
        return mechanism.saslName();
    }

    @Override
    public byte[] evaluate(byte[] clientToken) throws Failure {
        String message = new String(clientToken, StandardCharsets.UTF_8);
        try {
            switch (state) {
                case FIRST -> {
                    return first(message).getBytes(StandardCharsets.UTF_8);
                }
                case FINAL -> {
                    return last(message).getBytes(StandardCharsets.UTF_8);
                }
                default -> throw new Failure("SCRAM message in state " + state, null);
            }
        } catch (Failure e) {
            state = State.FAILED;
            throw e;
        }
    }

    private String first(String message) throws Failure {
        // gs2-header: "n," or "y," (no channel binding either way; "p=" asks for it), then "[a=authzid],"
        if (!(message.startsWith("n,") || message.startsWith("y,"))) {
            throw new Failure("SCRAM client-first message asks for channel binding or is malformed", null);
        }
        int headerEnd = message.indexOf(',', 2);
        if (headerEnd < 0) {
            throw new Failure("SCRAM client-first message has no gs2 header", null);
        }
        String authzid = message.substring(2, headerEnd);
        gs2Header = message.substring(0, headerEnd + 1);
        clientFirstBare = message.substring(headerEnd + 1);
        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=") || attrs[1].length() < 3) {
            throw new Failure("SCRAM client-first message is malformed", null);
        }
        String name = decodeSaslName(attrs[0].substring(2));
        if (!authzid.isEmpty() && !(authzid.startsWith("a=") && decodeSaslName(authzid.substring(2)).equals(name))) {
            throw new Failure("SCRAM authorization id differs from the user",
                    "Authentication failed: Client requested an authorization id that is different from username");
        }
        credential = credentials.get(mechanism, name);
        if (credential == null) {
            throw new Failure("SCRAM user " + name + " has no " + mechanism.saslName() + " credential",
                    "Authentication failed: Invalid user credentials");
        }
        if (credential.iterations() < ScramMechanism.MIN_ITERATIONS) {
            throw new Failure("SCRAM credential of " + name + " has " + credential.iterations() + " iterations",
                    "Iterations " + credential.iterations() + " is less than the minimum "
                            + ScramMechanism.MIN_ITERATIONS + " for " + mechanism.saslName());
        }
        user = name;
        nonce = attrs[1].substring(2) + serverNonce();
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt())
                + ",i=" + credential.iterations();
        state = State.FINAL;
        return serverFirst;
    }

    private String last(String message) throws Failure {
        int proofAt = message.lastIndexOf(",p=");
        if (!message.startsWith("c=") || proofAt < 0) {
            throw new Failure("SCRAM client-final message is malformed", null);
        }
        String withoutProof = message.substring(0, proofAt);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[1].startsWith("r=")) {
            throw new Failure("SCRAM client-final message is malformed", null);
        }
        String binding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        if (!attrs[0].substring(2).equals(binding)) {
            throw new Failure("SCRAM channel binding does not match the gs2 header", null);
        }
        // Kafka accepts a final nonce that ends with the one issued: librdkafka sends the client nonce again in front
        // of it. The proof covers the whole message either way.
        String finalNonce = attrs[1].substring(2);
        if (finalNonce.length() < nonce.length() || !MessageDigest.isEqual(
                finalNonce.substring(finalNonce.length() - nonce.length()).getBytes(StandardCharsets.UTF_8),
                nonce.getBytes(StandardCharsets.UTF_8))) {
            throw new Failure("SCRAM client-final nonce does not end with the one the server issued", null);
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            throw new Failure("SCRAM proof is not base64", null);
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof)
                .getBytes(StandardCharsets.UTF_8);
        byte[] signature = mechanism.hmac(credential.storedKey(), authMessage);
        if (proof.length != signature.length) {
            throw new Failure("SCRAM proof has " + proof.length + " bytes", null);
        }
        byte[] clientKey = new byte[signature.length];
        for (int i = 0; i < signature.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ signature[i]);
        }
        if (!MessageDigest.isEqual(mechanism.hash(clientKey), credential.storedKey())) {
            throw new Failure("SCRAM proof of " + user + " is wrong", null);
        }
        state = State.COMPLETE;
        return "v=" + Base64.getEncoder().encodeToString(mechanism.hmac(credential.serverKey(), authMessage));
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** Seeds the nonce generator; called at start-up, off the event loops. */
    static void warmUp() {
        RANDOM.nextBytes(new byte[24]);
    }

    private String serverNonce() {
        if (serverNonceOverride != null) {
            return serverNonceOverride;
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed. */
    static String decodeSaslName(String name) throws Failure {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '=') {
                if (name.startsWith("=2C", i)) {
                    out.append(',');
                } else if (name.startsWith("=3D", i)) {
                    out.append('=');
                } else {
                    throw new Failure("SCRAM user name has an invalid escape", null);
                }
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    @Override
    public boolean complete() {
        return state == State.COMPLETE;
    }

    @Override
    public String user() {
        return user;
    }
}
