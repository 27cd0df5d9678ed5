package io.samsa.server.security.sasl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.samsa.server.security.AllocationBound;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fuzzes the {@code sasl.jaas.config} parser (a broker's config, or a dynamic config an admin client sets). Whatever
 * the text (the input as UTF-8), it parses or throws {@link IllegalArgumentException} with a message, never anything else, and allocates
 * in proportion to the text. What parses survives a round trip: written back with every value quoted and escaped, it
 * parses to the same entry, and {@link JaasConfig#plainUsers} are exactly its {@code user_<name>} options.
 *
 * <p>{@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/server/security/sasl/JaasConfigFuzzTestInputs/}; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=JaasConfigFuzzTest#parse}.
 */
class JaasConfigFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void parse(byte[] data) throws Exception {
        AllocationBound.check(data.length, 64, () -> parseOnce(new String(data, StandardCharsets.UTF_8)));
    }

    private static void parseOnce(String text) {
        JaasConfig config;
        try {
            config = JaasConfig.parse(text);
        } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage());
            return;
        }
        StringBuilder written = new StringBuilder(config.loginModule()).append(' ').append(config.controlFlag());
        config.options().forEach((k, v) -> written.append(' ').append(k).append("=\"")
                .append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
        assertEquals(config, JaasConfig.parse(written.append(';').toString()), written.toString());
        Map<String, String> users = config.plainUsers();
        config.options().forEach((k, v) -> {
            if (k.startsWith("user_") && k.length() > 5) {
                assertEquals(v, users.get(k.substring(5)), k);
            }
        });
        assertEquals(config.options().keySet().stream().filter(k -> k.startsWith("user_") && k.length() > 5).count(),
                users.size());
    }
}
