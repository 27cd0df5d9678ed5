package io.samsa.server.coordinator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.samsa.common.ManualClock;
import io.samsa.common.ThreadExecutor;
import io.samsa.controller.ControllerConfig;
import io.samsa.controller.CreateTopicRequest;
import io.samsa.metadata.Endpoint;
import io.samsa.server.metadata.BrokerMetadata;
import io.samsa.server.metadata.TestBrokers;
import io.samsa.coordinator.CoordinatorRecord;
import io.samsa.log.LogManager;
import io.samsa.replication.ReplicaManager;
import io.samsa.replication.ShardProxy;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.partition.HostingPublisher;
import io.samsa.server.partition.TopicConfigResolver;
import io.samsa.wire.ErrorCode;
import io.samsa.wire.SamsaException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's partition access on a real log in a temporary directory: appends complete with the end
 * offset once committed, a load replays every record (tombstones too) in order across many reads, and a
 * partition this broker does not lead is refused with NOT_LEADER_OR_FOLLOWER. No sockets: one shard thread and
 * one hosting thread stand in for the broker's event loops; loads run on the calling thread.
 */
@Timeout(30)
class PartitionCoordinatorIoTest {
    private static final String TOPIC = "__consumer_offsets";

    @TempDir
    Path dir;
    private BrokerMetadata metadata;
    private LogManager logs;
    private PartitionCoordinatorIo io;
    private final ThreadExecutor shard = new ThreadExecutor("test-shard");
    private final ThreadExecutor hosting = new ThreadExecutor("test-hosting");

    @BeforeEach
    void start() throws Exception {
        ManualClock clock = new ManualClock(1_000_000L);
        BrokerConfig config = BrokerConfig.from(Map.of("log.dirs", dir.toString(),
                "listeners", "PLAINTEXT://127.0.0.1:0"));
        metadata = BrokerMetadata.start(ControllerConfig.builder(config.nodeId())
                .clusterId(config.getString("cluster.id")).staticProps(config.originals()).clock(clock).build(),
                dir.resolve("metadata"), clock);
        TopicConfigResolver topicConfigs = new TopicConfigResolver(config);
        logs = LogManager.builder(dir).clock(clock).configs(t -> topicConfigs.logConfig(metadata.loadedImage(), t))
                .build();
        ReplicaManager replicas = new ReplicaManager(config.nodeId(), logs, new ShardProxy(List.of(shard)), hosting,
                config.getLong("log.retention.check.interval.ms"));
        metadata.addPublisher(new HostingPublisher(replicas, topicConfigs)).get(10, TimeUnit.SECONDS);
        TestBrokers.registerUnfenced(metadata, config.nodeId(),
                List.of(new Endpoint("PLAINTEXT", "127.0.0.1", 9092, "PLAINTEXT")));
        metadata.whenPublished(metadata.controller().createTopics(
                List.of(new CreateTopicRequest(TOPIC, 1, 1, Map.of(), Map.of())), false)).get(10, TimeUnit.SECONDS);
        io = new PartitionCoordinatorIo(TOPIC, replicas, clock, Runnable::run, UnpooledByteBufAllocator.DEFAULT);
    }

    @AfterEach
    void stop() throws Exception {
        shard.close();
        hosting.close();
        logs.close();
        metadata.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private record Replayed(long offset, byte[] key, byte[] value) {
    }

    private List<Replayed> load(int partition) throws Exception {
        List<Replayed> out = new ArrayList<>();
        long end = io.load(partition, (offset, key, value) -> out.add(new Replayed(offset, key, value)))
                .get(10, TimeUnit.SECONDS);
        assertEquals(out.isEmpty() ? 0 : out.get(out.size() - 1).offset() + 1, end);
        return out;
    }

    @Test
    void appendsCompleteAtTheirEndOffsetAndReplayInOrder() throws Exception {
        assertEquals(2L, io.append(0, List.of(new CoordinatorRecord(bytes("k0"), bytes("v0")),
                new CoordinatorRecord(bytes("k1"), bytes("v1")))).get(10, TimeUnit.SECONDS));
        assertEquals(3L, io.append(0, List.of(CoordinatorRecord.tombstone(bytes("k0")))).get(10, TimeUnit.SECONDS));

        List<Replayed> replayed = load(0);
        assertEquals(3, replayed.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, replayed.get(i).offset());
        }
        assertArrayEquals(bytes("k1"), replayed.get(1).key());
        assertArrayEquals(bytes("v1"), replayed.get(1).value());
        assertArrayEquals(bytes("k0"), replayed.get(2).key());
        assertNull(replayed.get(2).value(), "a tombstone replays as a null value");
    }

    @Test
    void aLoadReadsPastManyMegabytes() throws Exception {
        byte[] value = new byte[200_000];
        int batches = 12;
        for (int b = 0; b < batches; b++) {
            value[0] = (byte) b;
            assertEquals(2L * (b + 1), io.append(0, List.of(new CoordinatorRecord(bytes("a" + b), value),
                    new CoordinatorRecord(bytes("b" + b), value))).get(10, TimeUnit.SECONDS));
        }
        List<Replayed> replayed = load(0);
        assertEquals(2 * batches, replayed.size(), "every record of 2.4 MB, read 1 MB at a time");
        for (int i = 0; i < replayed.size(); i++) {
            assertEquals(i, replayed.get(i).offset());
            assertEquals(i / 2, replayed.get(i).value()[0]);
            assertEquals(value.length, replayed.get(i).value().length);
        }
    }

    @Test
    void aPartitionNotLedHereIsRefused() {
        CompletableFuture<Long> append = io.append(3, List.of(new CoordinatorRecord(bytes("k"), bytes("v"))));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> append.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof SamsaException s && s.errorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER,
                e.getCause().toString());
        ExecutionException l = assertThrows(ExecutionException.class,
                () -> io.load(3, (o, k, v) -> { }).get(10, TimeUnit.SECONDS));
        assertTrue(l.getCause() instanceof SamsaException s && s.errorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER,
                l.getCause().toString());
    }
}
