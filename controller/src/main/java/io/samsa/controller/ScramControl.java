package io.samsa.controller;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.metadata.ScramMechanism;
import io.samsa.metadata.record.RemoveUserScramCredentialRecord;
import io.samsa.metadata.record.UserScramCredentialRecord;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SCRAM credentials (KIP-554): validates AlterUserScramCredentials as Kafka does and turns each valid item into a
 * UserScramCredentialRecord (the keys computed here from the salted password) or a RemoveUserScramCredentialRecord.
 * Results are per user, in first-appearance order: a user named twice in one request is DUPLICATE_RESOURCE for all of
 * its items; an empty name or a bad salt or salted password UNACCEPTABLE_CREDENTIAL; an unknown mechanism
 * UNSUPPORTED_SASL_MECHANISM; iterations outside 4096-16384 UNACCEPTABLE_CREDENTIAL; deleting a credential that
 * does not exist RESOURCE_NOT_FOUND. The valid users' changes commit even when others fail. Changes nothing itself.
 *
 * <p>Stateless: runs on the controller thread.
 */
final class ScramControl {
    private ScramControl() {
    }

    static ControllerResult<List<ApiResult<String>>> alter(MetadataImage image, List<ScramAlteration> alterations) {
        Map<String, Integer> counts = new HashMap<>();
        for (ScramAlteration a : alterations) {
            counts.merge(a.user(), 1, Integer::sum);
        }
        Map<String, ApiResult<String>> results = new LinkedHashMap<>();
        List<Message> records = new ArrayList<>();
        for (ScramAlteration a : alterations) {
            if (results.containsKey(a.user())) {
                continue;
            }
            ApiResult<String> problem = counts.get(a.user()) > 1 ? new ApiResult<>(a.user(),
                    ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request")
                    : problem(image, a);
            if (problem != null) {
                results.put(a.user(), problem);
                continue;
            }
            results.put(a.user(), ApiResult.ok(a.user()));
            if (a.isDeletion()) {
                records.add(new RemoveUserScramCredentialRecord().setName(a.user()).setMechanism(a.mechanism()));
            } else {
                ScramCredentialData c = ScramCredentialData.fromSaltedPassword(
                        ScramMechanism.forType(a.mechanism()), a.saltedPassword(), a.salt(), a.iterations());
                records.add(new UserScramCredentialRecord().setName(a.user()).setMechanism(a.mechanism())
                        .setSalt(c.salt()).setStoredKey(c.storedKey()).setServerKey(c.serverKey())
                        .setIterations(c.iterations()));
            }
        }
        return new ControllerResult<>(records, List.copyOf(results.values()));
    }

    private static ApiResult<String> problem(MetadataImage image, ScramAlteration a) {
        if (a.user() == null || a.user().isEmpty()) {
            return new ApiResult<>(a.user(), ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        ScramMechanism mechanism = ScramMechanism.forType(a.mechanism());
        if (mechanism == null) {
            return new ApiResult<>(a.user(), ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        if (a.isDeletion()) {
            return image.scramCredential(a.user(), a.mechanism()) != null ? null : new ApiResult<>(a.user(),
                    ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
        }
        if (a.salt() == null || a.salt().length == 0) {
            return new ApiResult<>(a.user(), ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salt must not be empty");
        }
        if (a.saltedPassword().length == 0) {
            return new ApiResult<>(a.user(), ErrorCode.UNACCEPTABLE_CREDENTIAL, "Salted password must not be empty");
        }
        if (a.iterations() < ScramMechanism.MIN_ITERATIONS) {
            return new ApiResult<>(a.user(), ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
        }
        if (a.iterations() > ScramMechanism.MAX_ITERATIONS) {
            return new ApiResult<>(a.user(), ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
        }
        return null;
    }
}
