package io.samsa.raft;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.BeginQuorumEpochRequest;
import io.samsa.wire.message.BeginQuorumEpochResponse;
import io.samsa.wire.message.EndQuorumEpochRequest;
import io.samsa.wire.message.EndQuorumEpochResponse;
import io.samsa.wire.message.FetchRequest;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.message.FetchSnapshotRequest;
import io.samsa.wire.message.FetchSnapshotResponse;
import io.samsa.wire.message.UpdateRaftVoterRequest;
import io.samsa.wire.message.UpdateRaftVoterResponse;
import io.samsa.wire.message.VoteRequest;
import io.samsa.wire.message.VoteResponse;
import io.samsa.wire.protocol.Message;

/** The answer with a top-level error to one of the quorum's requests. Stateless. */
final class Responses {
    private Responses() {
    }

    static Message error(Message request, ErrorCode error) {
        if (request instanceof VoteRequest) {
            return new VoteResponse().setErrorCode(error.code());
        }
        if (request instanceof BeginQuorumEpochRequest) {
            return new BeginQuorumEpochResponse().setErrorCode(error.code());
        }
        if (request instanceof EndQuorumEpochRequest) {
            return new EndQuorumEpochResponse().setErrorCode(error.code());
        }
        if (request instanceof FetchRequest) {
            return new FetchResponse().setErrorCode(error.code());
        }
        if (request instanceof FetchSnapshotRequest) {
            return new FetchSnapshotResponse().setErrorCode(error.code());
        }
        if (request instanceof UpdateRaftVoterRequest) {
            return new UpdateRaftVoterResponse().setErrorCode(error.code());
        }
        throw new IllegalArgumentException("Not a request of the quorum: " + request.getClass().getName());
    }
}
