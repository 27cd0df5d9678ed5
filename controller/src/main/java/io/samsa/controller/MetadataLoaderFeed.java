package io.samsa.controller;

import io.samsa.metadata.MetadataLoader;
import io.samsa.raft.Batch;
import io.samsa.raft.RaftClient;
import io.samsa.raft.Snapshot;
import io.samsa.wire.protocol.Message;

/**
 * Feeds what the metadata log commits (snapshots and batches) to a broker's {@link MetadataLoader}: register it
 * with the log's {@link RaftClient}. The loader hands the work to its own executor at once, so the log's
 * executor never waits for a broker. Stateless apart from the loader; thread-safe.
 */
public final class MetadataLoaderFeed implements RaftClient.Listener<Message> {
    private final MetadataLoader loader;

    public MetadataLoaderFeed(MetadataLoader loader) {
        this.loader = loader;
    }

    @Override
    public void handleCommit(Batch<Message> batch) {
        loader.handleCommit(batch.baseOffset(), batch.epoch(), batch.records());
    }

    @Override
    public void handleLoadSnapshot(Snapshot<Message> snapshot) {
        loader.handleSnapshot(snapshot.id().endOffset(), snapshot.id().epoch(), snapshot.records());
    }
}
