package io.samsa.server.handler.data;

import io.netty.buffer.ByteBuf;
import io.samsa.server.network.ResponseEncoder;
import io.samsa.wire.message.FetchResponse;
import io.samsa.wire.protocol.Message;
import io.samsa.wire.protocol.RawTaggedField;
import io.samsa.wire.protocol.ThrottledResponse;
import java.util.List;

/**
 * A {@link FetchResponse} whose records are {@link FileRecords}: encodes exactly as the response does, and lists
 * the file-backed records so that the encoder sends them with sendfile. Owns those records until encoded.
 */
final class FetchResponseWithFiles implements ResponseEncoder.SplicedResponse, ThrottledResponse {
    private final FetchResponse response;
    private final List<FileRecords> files;

    FetchResponseWithFiles(FetchResponse response, List<FileRecords> files) {
        this.response = response;
        this.files = files;
    }

    FetchResponse response() {
        return response;
    }

    /** Releases the records and drops every partition from the response ({@link FetchThrottle}). */
    void dropRecords() {
        releaseDeferred();
        files.clear();
        response.responses().clear();
    }

    @Override
    public List<? extends ResponseEncoder.DeferredRecords> deferredRecords() {
        return files;
    }

    @Override
    public void read(ByteBuf buf, short version) {
        response.read(buf, version);
    }

    @Override
    public void write(ByteBuf buf, short version) {
        response.write(buf, version);
    }

    @Override
    public int size(short version) {
        return response.size(version);
    }

    @Override
    public short apiKey() {
        return response.apiKey();
    }

    @Override
    public short lowestSupportedVersion() {
        return response.lowestSupportedVersion();
    }

    @Override
    public short highestSupportedVersion() {
        return response.highestSupportedVersion();
    }

    @Override
    public List<RawTaggedField> unknownTaggedFields() {
        return response.unknownTaggedFields();
    }

    @Override
    public int throttleTimeMs() {
        return response.throttleTimeMs();
    }

    @Override
    public FetchResponseWithFiles setThrottleTimeMs(int v) {
        response.setThrottleTimeMs(v);
        return this;
    }

    @Override
    public boolean carriesThrottleTime(short version) {
        return response.carriesThrottleTime(version);
    }

    @Override
    public String toString() {
        return "FetchResponseWithFiles(" + files.size() + " file regions, " + response + ")";
    }
}
