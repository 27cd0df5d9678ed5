package io.samsa.server.handler.admin;

import io.samsa.controller.ApiResult;
import io.samsa.controller.ScramAlteration;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.server.metadata.MetadataChanges;
import io.samsa.wire.message.AlterUserScramCredentialsRequest;
import io.samsa.wire.message.AlterUserScramCredentialsResponse;
import io.samsa.wire.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * AlterUserScramCredentials (key 51), v0 (KIP-554): sets and deletes users' SCRAM credentials through the controller
 * (UserScramCredentialRecord, RemoveUserScramCredentialRecord), as {@code kafka-configs.sh --alter --entity-type users
 * --add-config 'SCRAM-SHA-256=[...]'} and {@code Admin.alterUserScramCredentials} send it: the client sends the salt
 * and salted password, never the password. One result per user with Kafka's codes (see the controller's
 * ScramControl); a failure of the whole request (NOT_CONTROLLER, a timeout) is every user's. Answered once this
 * broker's image shows the change. Thread-safe.
 */
public final class AlterUserScramCredentialsHandler implements ApiHandler {
    private final MetadataChanges metadata;

    public AlterUserScramCredentialsHandler(MetadataChanges metadata) {
        this.metadata = metadata;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        AlterUserScramCredentialsRequest req = (AlterUserScramCredentialsRequest) request;
        List<ScramAlteration> alterations = alterations(req);
        Set<String> users = new LinkedHashSet<>();
        alterations.forEach(a -> users.add(a.user()));
        ControllerReplies.reply(metadata.whenPublished(metadata.controller().alterUserScramCredentials(alterations)),
                ctx, sink, AlterUserScramCredentialsHandler::response, e -> {
                    AlterUserScramCredentialsResponse resp = new AlterUserScramCredentialsResponse();
                    for (String user : users) {
                        resp.results().add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult()
                                .setUser(user).setErrorCode(e.codeValue()).setErrorMessage(e.message()));
                    }
                    return resp;
                });
    }

    /** The request's deletions, then its upsertions. */
    public static List<ScramAlteration> alterations(AlterUserScramCredentialsRequest req) {
        List<ScramAlteration> out = new ArrayList<>();
        for (AlterUserScramCredentialsRequest.ScramCredentialDeletion d : req.deletions()) {
            out.add(ScramAlteration.deletion(d.name(), d.mechanism()));
        }
        for (AlterUserScramCredentialsRequest.ScramCredentialUpsertion u : req.upsertions()) {
            out.add(new ScramAlteration(u.name(), u.mechanism(), u.iterations(), u.salt(), u.saltedPassword()));
        }
        return out;
    }

    static AlterUserScramCredentialsResponse response(List<ApiResult<String>> results) {
        AlterUserScramCredentialsResponse resp = new AlterUserScramCredentialsResponse();
        for (ApiResult<String> r : results) {
            resp.results().add(new AlterUserScramCredentialsResponse.AlterUserScramCredentialsResult()
                    .setUser(r.key()).setErrorCode(r.error().code()).setErrorMessage(r.errorMessage()));
        }
        return resp;
    }
}
