package io.samsa.server.handler.admin;

import io.samsa.metadata.MetadataImage;
import io.samsa.metadata.PartitionRegistration;
import io.samsa.metadata.TopicImage;
import io.samsa.log.Log;
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
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeLogDirs (key 35, v0-5): the broker's one data directory with the partitions this node
 * hosts (all, or those asked for), each with its size on disk and an offset lag of 0 (there are no
 * future replicas being moved between directories); v4+ adds the directory's total and usable bytes.
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
        MetadataImage image = services.metadata().image();
        int nodeId = services.nodeId();
        List<DescribeLogDirsResponse.DescribeLogDirsTopic> topics = new ArrayList<>();
        if (req.topics() == null) {
            for (TopicImage t : image.topicsByName().values()) {
                addTopic(topics, t, t.partitions().keySet(), nodeId);
            }
        } else {
            for (DescribeLogDirsRequest.DescribableLogDirTopic wanted : req.topics()) {
                TopicImage t = image.topic(wanted.topic());
                if (t != null) {
                    addTopic(topics, t, new HashSet<>(wanted.partitions()), nodeId);
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

    private void addTopic(List<DescribeLogDirsResponse.DescribeLogDirsTopic> out, TopicImage t,
                          Set<Integer> partitions, int nodeId) {
        List<DescribeLogDirsResponse.DescribeLogDirsPartition> parts = new ArrayList<>();
        for (PartitionRegistration p : t.partitions().values()) {
            if (!partitions.contains(p.partition()) || !p.replicas().contains(nodeId)) {
                continue;
            }
            Log l = services.logs().get(t.name(), p.partition());
            parts.add(new DescribeLogDirsResponse.DescribeLogDirsPartition().setPartitionIndex(p.partition())
                    .setPartitionSize(l == null ? 0 : l.sizeInBytes()).setOffsetLag(0).setIsFutureKey(false));
        }
        if (!parts.isEmpty()) {
            out.add(new DescribeLogDirsResponse.DescribeLogDirsTopic().setName(t.name()).setPartitions(parts));
        }
    }
}
