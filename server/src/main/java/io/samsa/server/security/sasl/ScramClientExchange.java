package io.samsa.server.security.sasl;

import io.samsa.metadata.ScramMechanism;
import io.samsa.replication.SaslClientExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client side of SCRAM (RFC 5802, RFC 7677) for the broker's own connections, as Kafka's client runs it: no
 * channel binding ({@code n,,}), a random client nonce, and the server's signature verified before the exchange
 * completes.
 *
 * <pre>
 *   client-first  n,,n=user,r=cnonce              (server-first  r=cnonce+snonce,s=salt,i=iterations)
 *   client-final  c=biws,r=cnonce+snonce,p=proof  (server-final  v=server-signature)
 * </pre>
 *
 * A server nonce that does not start with the client's, fewer iterations than the mechanism's minimum, a server
 * error ({@code e=}) or a wrong server signature fail the exchange. The salted password (Hi, thousands of HMACs)
 * is computed once per salt and iteration count and kept in the login's {@link #salted} cache; through
 * {@link #evaluateAsync} (what the connection's handler calls) it is computed on {@code hashing}, never on the event
 * loop, and the client-final message with it.
 *
 * <p>Not thread-safe: one per connection attempt; one step at a time (the next after the previous completed).
 */
final class ScramClientExchange implements SaslClientExchange {
    /** A salted password, for the salt and iteration count it was computed with. */
    record Salted(byte[] salt, int iterations, byte[] value) {
    }

    private final ScramMechanism mechanism;
    private final String user;
    private final String password;
    private final AtomicReference<Salted> salted;
    private final Executor hashing;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] serverSignature;
    private boolean complete;

    /** @param hashing where {@link #evaluateAsync} computes the salted password ({@link ScramHashing}) */
    ScramClientExchange(ScramMechanism mechanism, String user, String password, AtomicReference<Salted> salted,
                        Executor hashing) {
        this(mechanism, user, password, salted, hashing, ScramExchange.randomNonce());
    }

    /** With a fixed client nonce: RFC test vectors only. */
    ScramClientExchange(ScramMechanism mechanism, String user, String password, AtomicReference<Salted> salted,
                        Executor hashing, String clientNonce) {
        this.mechanism = mechanism;
        this.user = user;
        this.password = password;
        this.salted = salted;
        this.hashing = hashing;
        this.clientNonce = clientNonce;
    }

    @Override
    public String mechanism() {
        return mechanism.saslName();
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public byte[] first() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] evaluate(byte[] serverToken) {
        String message = serverMessage(serverToken);
        if (serverSignature != null) {
            return verify(message);
        }
        ServerFirst first = serverFirst(message);
        return last(first, saltedPassword(first.salt(), first.iterations()));
    }

    /**
     * {@link #evaluate} with the salted password computed on {@code hashing} when the login has not kept it for this
     * salt: the event loop that calls it never runs Hi.
     */
    @Override
    public CompletableFuture<byte[]> evaluateAsync(byte[] serverToken) {
        ServerFirst first;
        try {
            String message = serverMessage(serverToken);
            if (serverSignature != null) {
                return CompletableFuture.completedFuture(verify(message));
            }
            first = serverFirst(message);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] kept = keptSaltedPassword(first.salt(), first.iterations());
        if (kept != null) {
            return CompletableFuture.completedFuture(last(first, kept));
        }
        return CompletableFuture.supplyAsync(() -> last(first, saltedPassword(first.salt(), first.iterations())),
                hashing);
    }

    private static String serverMessage(byte[] serverToken) {
        String message = new String(serverToken, StandardCharsets.UTF_8);
        if (message.startsWith("e=")) {
            throw new IllegalStateException("the server refused the SCRAM exchange: " + message.substring(2));
        }
        return message;
    }

    /** The server-first message, checked: its nonce, salt and iteration count. */
    private record ServerFirst(String message, String nonce, byte[] salt, int iterations) {
    }

    private ServerFirst serverFirst(String serverFirst) {
        String nonce = null;
        String salt = null;
        int iterations = -1;
        for (String attr : serverFirst.split(",")) {
            if (attr.startsWith("r=")) {
                nonce = attr.substring(2);
            } else if (attr.startsWith("s=")) {
                salt = attr.substring(2);
            } else if (attr.startsWith("i=")) {
                try {
                    iterations = Integer.parseInt(attr.substring(2));
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("the SCRAM server-first message has a malformed iteration count");
                }
            }
        }
        if (nonce == null || salt == null || iterations < 0) {
            throw new IllegalStateException("the SCRAM server-first message is malformed");
        }
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new IllegalStateException("the SCRAM server nonce does not extend the client's");
        }
        if (iterations < ScramMechanism.MIN_ITERATIONS) {
            throw new IllegalStateException("the SCRAM server asks for " + iterations + " iterations, fewer than the "
                    + "minimum " + ScramMechanism.MIN_ITERATIONS);
        }
        try {
            return new ServerFirst(serverFirst, nonce, Base64.getDecoder().decode(salt), iterations);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the SCRAM salt is not base64");
        }
    }

    /** The client-final message, from the salted password; keeps the server signature it expects. */
    private byte[] last(ServerFirst first, byte[] saltedPassword) {
        String withoutProof = "c=biws,r=" + first.nonce();
        byte[] authMessage = (clientFirstBare + "," + first.message() + "," + withoutProof)
                .getBytes(StandardCharsets.UTF_8);
        byte[] clientKey = mechanism.hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] signature = mechanism.hmac(mechanism.hash(clientKey), authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        byte[] serverKey = mechanism.hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        serverSignature = mechanism.hmac(serverKey, authMessage);
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] verify(String serverFinal) {
        byte[] v;
        try {
            v = serverFinal.startsWith("v=") ? Base64.getDecoder().decode(serverFinal.substring(2)) : null;
        } catch (IllegalArgumentException e) {
            v = null;
        }
        if (v == null || !MessageDigest.isEqual(v, serverSignature)) {
            throw new IllegalStateException("the SCRAM server signature is wrong: the server does not hold this "
                    + "user's credential");
        }
        complete = true;
        return null;
    }

    /** The salted password the login kept for {@code salt} and {@code iterations}, or null. */
    private byte[] keptSaltedPassword(byte[] salt, int iterations) {
        Salted s = salted.get();
        return s != null && s.iterations() == iterations && Arrays.equals(s.salt(), salt) ? s.value() : null;
    }

    private byte[] saltedPassword(byte[] salt, int iterations) {
        byte[] kept = keptSaltedPassword(salt, iterations);
        if (kept != null) {
            return kept;
        }
        byte[] value = mechanism.hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
        salted.set(new Salted(salt, iterations, value));
        return value;
    }

    @Override
    public boolean complete() {
        return complete;
    }
}
