package io.samsa.server.handler.admin;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.ScramCredentialData;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeUserScramCredentialsRequest;
import io.samsa.wire.message.DescribeUserScramCredentialsResponse;
import io.samsa.wire.protocol.Message;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * DescribeUserScramCredentials (key 50), v0 (KIP-554): each user's SCRAM mechanisms and iteration counts from the
 * broker's metadata image (never salts or keys), as {@code kafka-configs.sh --describe --entity-type users} asks.
 * Null or empty users: every user with a credential. A user without one is RESOURCE_NOT_FOUND, a user named twice
 * DUPLICATE_RESOURCE, as in Kafka. Thread-safe.
 */
public final class DescribeUserScramCredentialsHandler implements ApiHandler {
    private final Supplier<MetadataImage> image;

    public DescribeUserScramCredentialsHandler(Supplier<MetadataImage> image) {
        this.image = image;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeUserScramCredentialsRequest req = (DescribeUserScramCredentialsRequest) request;
        Map<String, Map<Byte, ScramCredentialData>> all = image.get().scramCredentials();
        DescribeUserScramCredentialsResponse resp = new DescribeUserScramCredentialsResponse();
        if (req.users() == null || req.users().isEmpty()) {
            new TreeMap<>(all).forEach((user, creds) -> resp.results().add(result(user, creds)));
            sink.send(resp);
            return;
        }
        Map<String, Integer> counts = new HashMap<>();
        req.users().forEach(u -> counts.merge(u.name(), 1, Integer::sum));
        for (DescribeUserScramCredentialsRequest.UserName u : req.users()) {
            Map<Byte, ScramCredentialData> creds = all.get(u.name());
            if (counts.get(u.name()) > 1) {
                resp.results().add(error(u.name(), ErrorCode.DUPLICATE_RESOURCE,
                        "Cannot describe SCRAM credentials for the same user twice in a single request: " + u.name()));
            } else if (creds == null) {
                resp.results().add(error(u.name(), ErrorCode.RESOURCE_NOT_FOUND,
                        "Attempt to describe a user credential that does not exist: " + u.name()));
            } else {
                resp.results().add(result(u.name(), creds));
            }
        }
        sink.send(resp);
    }

    private static DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult result(
            String user, Map<Byte, ScramCredentialData> creds) {
        var r = new DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult().setUser(user);
        new TreeMap<>(creds).forEach((mechanism, c) -> r.credentialInfos().add(
                new DescribeUserScramCredentialsResponse.CredentialInfo().setMechanism(mechanism)
                        .setIterations(c.iterations())));
        return r;
    }

    private static DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult error(
            String user, ErrorCode code, String message) {
        return new DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult().setUser(user)
                .setErrorCode(code.code()).setErrorMessage(message).setCredentialInfos(List.of());
    }
}
