package io.samsa.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.samsa.server.security.AllocationBound;
import io.samsa.server.security.Principal;
import io.samsa.wire.DecodeException;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;

/**
 * Fuzzes the reader of an Envelope's {@code request_principal} (KIP-590: a version, then Kafka's
 * {@code DefaultPrincipalData}), which a controller runs on bytes another node sent. Whatever the bytes, it returns a
 * principal or throws {@link DecodeException} (which the Envelope check answers with
 * {@code PRINCIPAL_DESERIALIZATION_FAILURE}), never anything else, and allocates in proportion to the bytes. Kafka's
 * own deserializer ({@link DefaultKafkaPrincipalBuilder#deserialize}) is the oracle: what Samsa reads, it reads as
 * the same principal; what it refuses, Samsa refuses. Samsa refuses more only bytes after the principal, which
 * Kafka ignores, and strings that are not UTF-8, which Kafka reads with replacement characters (as every Samsa
 * decoder refuses them).
 *
 * <p>{@code mvn verify} replays the corpus in
 * {@code src/test/resources/io/samsa/server/cluster/EnvelopePrincipalFuzzTestInputs/}; to fuzz for real:
 * {@code JAZZER_FUZZ=1 mvn -pl server test -Dtest=EnvelopePrincipalFuzzTest#readPrincipal}.
 */
class EnvelopePrincipalFuzzTest {
    private static final DefaultKafkaPrincipalBuilder KAFKA = new DefaultKafkaPrincipalBuilder(null, null);

    @FuzzTest(maxDuration = "10m")
    void readPrincipal(byte[] data) throws Exception {
        Principal[] read = new Principal[1];
        AllocationBound.check(data.length, 16, () -> {
            try {
                read[0] = Envelopes.readPrincipal(data);
            } catch (DecodeException e) {
                assertNotNull(e.getMessage());
            }
        });
        Principal ours = read[0];
        KafkaPrincipal theirs;
        try {
            theirs = KAFKA.deserialize(data);
        } catch (RuntimeException e) {
            assertEquals(null, ours, "Kafka refuses what Samsa read (" + e + ")");
            return;
        }
        if (ours != null) {
            assertEquals(theirs.getPrincipalType(), ours.type());
            assertEquals(theirs.getName(), ours.name());
        } else {
            // Refusals Kafka does not share: bytes after the principal, and a string that is not UTF-8 (the wire
            // codec's rule; Kafka reads it with U+FFFD in place of the bad bytes).
            boolean notUtf8 = (theirs.getPrincipalType() + theirs.getName()).indexOf('\uFFFD') >= 0;
            assertTrue(notUtf8 || data.length > KAFKA.serialize(theirs).length,
                    "Samsa refused what Kafka read as " + theirs);
        }
    }
}
