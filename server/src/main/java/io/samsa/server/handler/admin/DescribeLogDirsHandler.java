package io.samsa.server.handler.admin;

import io.samsa.log.Log;
import io.samsa.replication.Partition;
import io.samsa.server.BrokerServices;
import io.samsa.server.handler.ApiHandler;
import io.samsa.server.handler.RequestContext;
import io.samsa.server.handler.ResponseSink;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeLogDirsRequest;
import io.samsa.wire.message.DescribeLogDirsResponse;
import io.samsa.wire.protocol.Message;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeLogDirs (key 35, v0-5): the broker's one data directory with every replica this node hosts,
 * leader or follower (all, or those asked for), each with its size on disk and Kafka's offset lag of a
 * current replica (high watermark minus log end offset, at least 0), never a future replica (no moves
 * between directories); v4+ adds the directory's total and usable bytes.
 *
 * <p>Summing segment sizes and asking the file system for free space are file-system calls, so the
 * work runs on the background scheduler, never on the event loop. A directory that cannot be read
 * answers {@code KAFKA_STORAGE_ERROR} for the directory.
 */
public final class DescribeLogDirsHandler implements ApiHandler {
    private static final Logger log = LoggerFactory.getLogger(DescribeLogDirsHandler.class);

    private final BrokerServices services;

    public DescribeLogDirsHandler(BrokerServices services) {
        this.services = services;
    }

    @Override
    public void handle(RequestContext ctx, Message request, ResponseSink sink) {
        DescribeLogDirsRequest req = (DescribeLogDirsRequest) request;
        try {
            services.background().execute(() -> {
                DescribeLogDirsResponse resp;
                try {
                    resp = describe(req);
                } catch (RuntimeException e) {
                    resp = failed(ApiError.of(e, ctx.logPrefix()).code(), ctx.apiVersion());
                }
                sink.send(resp);
            });
        } catch (RejectedExecutionException e) {
            sink.send(failed(ErrorCode.BROKER_NOT_AVAILABLE, ctx.apiVersion()));
        }
    }

    /** A failed answer: the top-level error from v3, an empty directory list before. */
    private static DescribeLogDirsResponse failed(ErrorCode code, short version) {
        return version >= 3 ? new DescribeLogDirsResponse().setErrorCode(code.code()) : new DescribeLogDirsResponse();
    }

    private DescribeLogDirsResponse describe(DescribeLogDirsRequest req) {
        // Every replica this broker hosts, leader or follower, by topic and partition.
        Map<String, Map<Integer, Partition>> hosted = new TreeMap<>();
        for (Partition p : services.replicas().partitions()) {
            if (!p.isDeleted()) {
                hosted.computeIfAbsent(p.topic(), t -> new TreeMap<>()).put(p.index(), p);
            }
        }
        List<DescribeLogDirsResponse.DescribeLogDirsTopic> topics = new ArrayList<>();
        if (req.topics() == null) {
            for (Map.Entry<String, Map<Integer, Partition>> t : hosted.entrySet()) {
                addTopic(topics, t.getKey(), t.getValue(), t.getValue().keySet());
            }
        } else {
            for (DescribeLogDirsRequest.DescribableLogDirTopic wanted : req.topics()) {
                Map<Integer, Partition> t = hosted.get(wanted.topic());
                if (t != null) {
                    addTopic(topics, wanted.topic(), t, new HashSet<>(wanted.partitions()));
                }
            }
        }
        DescribeLogDirsResponse.DescribeLogDirsResult dir = new DescribeLogDirsResponse.DescribeLogDirsResult()
                .setLogDir(services.config().dataDir().toAbsolutePath().toString())
                .setErrorCode(ErrorCode.NONE.code()).setTopics(topics);
        try {
            FileStore store = Files.getFileStore(services.config().dataDir());
            dir.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            log.error("Cannot read the file store of {}", services.config().dataDir(), e);
            dir.setErrorCode(ErrorCode.KAFKA_STORAGE_ERROR.code()).setTopics(new ArrayList<>(0));
        }
        List<DescribeLogDirsResponse.DescribeLogDirsResult> results = new ArrayList<>(1);
        results.add(dir);
        return new DescribeLogDirsResponse().setErrorCode(ErrorCode.NONE.code()).setResults(results);
    }

    /**
     * One topic's replicas among {@code partitions}: size on disk and Kafka's offset lag of a current replica (its
     * high watermark minus its log end offset, never below 0: 0 for a leader, and for a follower, whose high
     * watermark never passes its own log end); never a future replica (no moves between directories here).
     */
    private static void addTopic(List<DescribeLogDirsResponse.DescribeLogDirsTopic> out, String topic,
                                 Map<Integer, Partition> hosted, Set<Integer> partitions) {
        List<DescribeLogDirsResponse.DescribeLogDirsPartition> parts = new ArrayList<>();
        for (Partition p : hosted.values()) {
            if (!partitions.contains(p.index())) {
                continue;
            }
            Log l = p.log();
            parts.add(new DescribeLogDirsResponse.DescribeLogDirsPartition().setPartitionIndex(p.index())
                    .setPartitionSize(l.sizeInBytes())
                    .setOffsetLag(Math.max(p.highWatermark() - p.logEndOffset(), 0)).setIsFutureKey(false));
        }
        if (!parts.isEmpty()) {
            out.add(new DescribeLogDirsResponse.DescribeLogDirsTopic().setName(topic).setPartitions(parts));
        }
    }
}
