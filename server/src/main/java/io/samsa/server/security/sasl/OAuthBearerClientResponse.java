package io.samsa.server.security.sasl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's first (and only) message of SASL/OAUTHBEARER (RFC 7628 section 3.1, as Kafka's clients send it,
 * KIP-255 and KIP-342's extensions):
 *
 * <pre>
 *   n,[a=authzid],  %x01  auth=Bearer &lt;token&gt; %x01  [key=value %x01]...  %x01
 * </pre>
 *
 * The GS2 header has no channel binding ({@code n}) and an optional authorization id (a saslname: {@code =2C} and
 * {@code =3D} escape ',' and '='); then key/value pairs, each ended by %x01, and a final %x01. Keys are letters only;
 * values are printable ASCII, space, tab, CR or LF. {@code auth} is required and holds {@code Bearer} (any case), one
 * or more spaces and a b64token; every other key is a SASL extension. A key may appear once.
 *
 * <p>Parsed by hand, one pass, no regular expressions: the input comes from unauthenticated clients.
 * Immutable.
 */
record OAuthBearerClientResponse(String authorizationId, String token, Map<String, String> extensions) {
    private static final byte SEP = 0x01;
    static final String AUTH_KEY = "auth";

    OAuthBearerClientResponse {
        extensions = Map.copyOf(extensions);
    }

    /** Thrown for a message that does not follow the grammar; the message says where. */
    static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    /** Parses {@code message}; never returns null. */
    static OAuthBearerClientResponse parse(byte[] message) throws MalformedException {
        if (message.length < 3 || message[0] != 'n' || message[1] != ',') {
            throw new MalformedException("OAUTHBEARER message does not start with the GS2 header \"n,\"");
        }
        int pos = 2;
        String authzid = null;
        if (message[pos] == 'a') {
            if (pos + 1 >= message.length || message[pos + 1] != '=') {
                throw new MalformedException("OAUTHBEARER GS2 header has a malformed authorization id");
            }
            int start = pos + 2;
            int end = start;
            while (end < message.length && message[end] != ',') {
                end++;
            }
            if (end == message.length || end == start) {
                throw new MalformedException("OAUTHBEARER GS2 header has a malformed authorization id");
            }
            authzid = saslName(message, start, end);
            pos = end;
        }
        if (pos >= message.length || message[pos] != ',') {
            throw new MalformedException("OAUTHBEARER GS2 header does not end with ','");
        }
        pos++;
        if (pos >= message.length || message[pos] != SEP) {
            throw new MalformedException("OAUTHBEARER GS2 header is not followed by %x01");
        }
        pos++;
        Map<String, String> pairs = new LinkedHashMap<>();
        while (true) {
            if (pos >= message.length) {
                throw new MalformedException("OAUTHBEARER message does not end with %x01");
            }
            if (message[pos] == SEP) {
                pos++;
                break;
            }
            int keyStart = pos;
            while (pos < message.length && isAlpha(message[pos])) {
                pos++;
            }
            if (pos == keyStart || pos >= message.length || message[pos] != '=') {
                throw new MalformedException("OAUTHBEARER key/value pair " + (pairs.size() + 1)
                        + " has no key of letters followed by '='");
            }
            String key = new String(message, keyStart, pos - keyStart, StandardCharsets.US_ASCII);
            pos++;
            int valueStart = pos;
            while (pos < message.length && isValueChar(message[pos])) {
                pos++;
            }
            if (pos >= message.length || message[pos] != SEP) {
                throw new MalformedException("OAUTHBEARER value of " + key + " has a character not allowed or no %x01");
            }
            if (pairs.put(key, new String(message, valueStart, pos - valueStart, StandardCharsets.US_ASCII)) != null) {
                throw new MalformedException("OAUTHBEARER key " + key + " appears twice");
            }
            pos++;
        }
        if (pos != message.length) {
            throw new MalformedException("OAUTHBEARER message has " + (message.length - pos)
                    + " bytes after its final %x01");
        }
        String auth = pairs.remove(AUTH_KEY);
        if (auth == null) {
            throw new MalformedException("OAUTHBEARER message has no auth key");
        }
        return new OAuthBearerClientResponse(authzid, bearerToken(auth), pairs);
    }

    /** The b64token of {@code Bearer <token>} (RFC 6750 section 2.1; the scheme in any case). */
    private static String bearerToken(String auth) throws MalformedException {
        String scheme = "bearer";
        if (auth.length() <= scheme.length() || !auth.regionMatches(true, 0, scheme, 0, scheme.length())
                || auth.charAt(scheme.length()) != ' ') {
            throw new MalformedException("OAUTHBEARER auth value is not \"Bearer <token>\"");
        }
        int start = scheme.length();
        while (start < auth.length() && auth.charAt(start) == ' ') {
            start++;
        }
        int end = start;
        while (end < auth.length() && isB64TokenChar(auth.charAt(end))) {
            end++;
        }
        int body = end;
        while (end < auth.length() && auth.charAt(end) == '=') {
            end++;
        }
        if (body == start || end != auth.length()) {
            throw new MalformedException("OAUTHBEARER auth value does not hold a b64token");
        }
        return auth.substring(start);
    }

    /** A saslname (RFC 5801): UTF-8 without ',' and '=', in which "=2C" and "=3D" stand for ',' and '='. */
    private static String saslName(byte[] m, int start, int end) throws MalformedException {
        byte[] out = new byte[end - start];
        int n = 0;
        for (int i = start; i < end; i++) {
            byte b = m[i];
            if (b == '=') {
                if (i + 2 < end && m[i + 1] == '2' && (m[i + 2] == 'C' || m[i + 2] == 'c')) {
                    out[n++] = ',';
                } else if (i + 2 < end && m[i + 1] == '3' && (m[i + 2] == 'D' || m[i + 2] == 'd')) {
                    out[n++] = '=';
                } else {
                    throw new MalformedException("OAUTHBEARER authorization id has a malformed '=' escape");
                }
                i += 2;
            } else if (b == 0) {
                throw new MalformedException("OAUTHBEARER authorization id contains NUL");
            } else {
                out[n++] = b;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("OAUTHBEARER authorization id is not UTF-8");
        }
    }

    private static boolean isAlpha(byte b) {
        return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z';
    }

    /** VCHAR, SP, HTAB, CR, LF (RFC 7628's value). */
    private static boolean isValueChar(byte b) {
        return b >= 0x21 && b <= 0x7E || b == ' ' || b == '\t' || b == '\r' || b == '\n';
    }

    private static boolean isB64TokenChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c == '~' || c == '+' || c == '/';
    }
}
