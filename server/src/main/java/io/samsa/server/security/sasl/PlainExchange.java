package io.samsa.server.security.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * SASL/PLAIN (RFC 4616): one client token, {@code authzid NUL authcid NUL passwd}, checked against the users of the
 * listener's PlainLoginModule configuration ({@code user_<name>="<password>"}). An authorization id, when given, must
 * equal the user (Kafka does not let one user act as another). The password is compared in constant time.
 *
 * <p>Not thread-safe: one per connection attempt.
 */
final class PlainExchange implements SaslExchange {
    static final String MECHANISM = "PLAIN";
    private static final String INVALID = "Authentication failed: Invalid username or password";

    private final Map<String, String> users;
    private String user;

    PlainExchange(Map<String, String> users) {
        this.users = users;
    }

    @Override
    public String mechanism() {
        return MECHANISM;
    }

    @Override
    public byte[] evaluate(byte[] clientToken) throws Failure {
        if (user != null) {
            throw new Failure("PLAIN token after authentication", null);
        }
        String[] parts = split(new String(clientToken, StandardCharsets.UTF_8));
        String authzid = parts[0];
        String authcid = parts[1];
        String password = parts[2];
        if (authcid.isEmpty()) {
            throw new Failure("PLAIN token without a user name", "Authentication failed: username not specified");
        }
        if (password.isEmpty()) {
            throw new Failure("PLAIN token without a password", "Authentication failed: password not specified");
        }
        if (!authzid.isEmpty() && !authzid.equals(authcid)) {
            throw new Failure("PLAIN authorization id differs from the user",
                    "Authentication failed: Client requested an authorization id that is different from username");
        }
        String expected = users.get(authcid);
        // Compare against something even for an unknown user, so that the time taken does not tell which users exist.
        byte[] want = (expected == null ? "\u0000unknown" : expected).getBytes(StandardCharsets.UTF_8);
        boolean match = MessageDigest.isEqual(want, password.getBytes(StandardCharsets.UTF_8));
        if (expected == null || !match) {
            throw new Failure("PLAIN authentication failed for user " + authcid, INVALID);
        }
        user = authcid;
        return new byte[0];
    }

    /** The three fields of a PLAIN token; exactly two NUL separators. */
    static String[] split(String token) throws Failure {
        int first = token.indexOf('\u0000');
        int second = first < 0 ? -1 : token.indexOf('\u0000', first + 1);
        if (first < 0 || second < 0 || token.indexOf('\u0000', second + 1) >= 0) {
            throw new Failure("malformed PLAIN token", "Invalid SASL/PLAIN response: expected 3 tokens");
        }
        return new String[] {token.substring(0, first), token.substring(first + 1, second),
            token.substring(second + 1)};
    }

    @Override
    public boolean complete() {
        return user != null;
    }

    @Override
    public String user() {
        return user;
    }
}
