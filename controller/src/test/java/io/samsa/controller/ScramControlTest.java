package io.samsa.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.samsa.metadata.MetadataDelta;
import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.metadata.record.UserScramCredentialRecord;
import io.samsa.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScramControlTest {
    private static final byte[] SALT = "salt".getBytes(StandardCharsets.UTF_8);
    private static final byte SHA256 = 1;
    private static final byte SHA512 = 2;

    private static ScramAlteration upsert(String user, byte mechanism, int iterations) {
        byte[] salted = ScramMechanism.forType(mechanism) == null ? new byte[] {1}
                : ScramMechanism.forType(mechanism).hi("pw".getBytes(StandardCharsets.UTF_8), SALT, iterations);
        return new ScramAlteration(user, mechanism, iterations, SALT, salted);
    }

    private static MetadataImage apply(MetadataImage base, ControllerResult<?> result) {
        MetadataDelta delta = new MetadataDelta(base);
        delta.replay(result.records(), base.offset() + 1, 1);
        return delta.apply();
    }

    @Test
    void anUpsertionStoresTheKeysOfTheSaltedPasswordAndADeletionRemovesThem() {
        ControllerResult<List<ApiResult<String>>> r = ScramControl.alter(MetadataImage.EMPTY,
                List.of(upsert("alice", SHA512, 4096)));
        assertEquals(List.of(new ApiResult<>("alice", ErrorCode.NONE, null)), r.response());
        UserScramCredentialRecord record = (UserScramCredentialRecord) r.records().get(0);
        ScramCredentialData expected = ScramCredentialData.derive(ScramMechanism.SCRAM_SHA_512, "pw", SALT, 4096);
        assertArrayEquals(expected.storedKey(), record.storedKey());
        assertArrayEquals(expected.serverKey(), record.serverKey());
        MetadataImage image = apply(MetadataImage.EMPTY, r);
        assertEquals(expected, image.scramCredential("alice", SHA512));
        // Snapshots carry the credential.
        MetadataDelta fromSnapshot = new MetadataDelta(MetadataImage.EMPTY);
        fromSnapshot.replaySnapshot(image.toRecords(), image.offset() + 1, 1);
        assertEquals(expected, fromSnapshot.apply().scramCredential("alice", SHA512));

        ControllerResult<List<ApiResult<String>>> d = ScramControl.alter(image,
                List.of(ScramAlteration.deletion("alice", SHA512)));
        assertEquals(ErrorCode.NONE, d.response().get(0).error());
        MetadataImage after = apply(image, d);
        assertNull(after.scramCredential("alice", SHA512));
        assertEquals(0, after.scramCredentials().size());
    }

    @Test
    void kafkasValidationPerUser() {
        ControllerResult<List<ApiResult<String>>> r = ScramControl.alter(MetadataImage.EMPTY, List.of(
                upsert("twice", SHA256, 4096), ScramAlteration.deletion("twice", SHA512),
                upsert("", SHA256, 4096), upsert("unknown", (byte) 3, 4096), upsert("few", SHA256, 4095),
                upsert("many", SHA256, 16385), ScramAlteration.deletion("missing", SHA256),
                new ScramAlteration("nosalt", SHA256, 4096, new byte[0], new byte[] {1}),
                upsert("ok", SHA256, 16384)));
        assertEquals(List.of(
                new ApiResult<>("twice", ErrorCode.DUPLICATE_RESOURCE,
                        "A user credential cannot be altered twice in the same request"),
                new ApiResult<>("", ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty"),
                new ApiResult<>("unknown", ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism"),
                new ApiResult<>("few", ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations"),
                new ApiResult<>("many", ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations"),
                new ApiResult<>("missing", ErrorCode.RESOURCE_NOT_FOUND,
                        "Attempt to delete a user credential that does not exist"),
                new ApiResult<>("nosalt", ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salt must not be empty"),
                new ApiResult<>("ok", ErrorCode.NONE, null)), r.response());
        // Only the valid user's record is written.
        assertEquals(1, r.records().size());
        assertEquals("ok", ((UserScramCredentialRecord) r.records().get(0)).name());
    }
}
