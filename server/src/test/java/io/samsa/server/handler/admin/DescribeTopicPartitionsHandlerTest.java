package io.samsa.server.handler.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.samsa.wire.ErrorCode;
import io.samsa.wire.message.DescribeTopicPartitionsRequest;
import io.samsa.wire.message.DescribeTopicPartitionsResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DescribeTopicPartitions (KIP-966) paging: order, limits, cursors and per-topic errors. */
class DescribeTopicPartitionsHandlerTest {
    @TempDir
    Path dir;
    private HandlerHarness harness;
    private DescribeTopicPartitionsHandler handler;

    @BeforeEach
    void setUp() throws Exception {
        harness = new HandlerHarness(dir, Map.of());
        harness.createTopic("b", 3);
        harness.createTopic("a", 2);
        harness.createTopic("c", 1);
        handler = new DescribeTopicPartitionsHandler(harness.metadata);
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    private DescribeTopicPartitionsResponse call(int limit, String cursorTopic, int cursorPartition, String... names)
            throws Exception {
        DescribeTopicPartitionsRequest req = new DescribeTopicPartitionsRequest().setResponsePartitionLimit(limit);
        List<DescribeTopicPartitionsRequest.TopicRequest> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new DescribeTopicPartitionsRequest.TopicRequest().setName(n));
        }
        req.setTopics(topics);
        if (cursorTopic != null) {
            req.setCursor(new DescribeTopicPartitionsRequest.Cursor().setTopicName(cursorTopic)
                    .setPartitionIndex(cursorPartition));
        }
        return harness.call(handler, (short) 75, (short) 0, req);
    }

    /** "topic:partition" for every partition in the response, in order. */
    private static List<String> partitions(DescribeTopicPartitionsResponse resp) {
        List<String> out = new ArrayList<>();
        for (DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic t : resp.topics()) {
            for (DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition p : t.partitions()) {
                out.add(t.name() + ":" + p.partitionIndex());
            }
        }
        return out;
    }

    @Test
    void allTopicsInNameOrderWithinTheLimit() throws Exception {
        DescribeTopicPartitionsResponse resp = call(100, null, 0);
        assertEquals(List.of("a:0", "a:1", "b:0", "b:1", "b:2", "c:0"), partitions(resp));
        assertNull(resp.nextCursor());
        DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition p = resp.topics().get(1)
                .partitions().get(2);
        assertEquals(1, p.leaderId());
        assertEquals(List.of(1), p.replicaNodes());
        assertEquals(List.of(1), p.isrNodes());
        assertEquals(List.of(), p.eligibleLeaderReplicas());
        assertEquals(harness.metadata.image().topic("b").id(), resp.topics().get(1).topicId());
    }

    @Test
    void pagesThroughEveryPartitionWithTheCursor() throws Exception {
        DescribeTopicPartitionsResponse first = call(3, null, 0);
        assertEquals(List.of("a:0", "a:1", "b:0"), partitions(first));
        assertEquals("b", first.nextCursor().topicName());
        assertEquals(1, first.nextCursor().partitionIndex());

        DescribeTopicPartitionsResponse second = call(3, "b", 1);
        assertEquals(List.of("b:1", "b:2", "c:0"), partitions(second));
        assertNull(second.nextCursor());
    }

    @Test
    void limitReachedAtATopicBoundaryPointsAtTheNextTopic() throws Exception {
        DescribeTopicPartitionsResponse resp = call(2, null, 0);
        assertEquals(List.of("a:0", "a:1"), partitions(resp));
        assertEquals("b", resp.nextCursor().topicName());
        assertEquals(0, resp.nextCursor().partitionIndex());
    }

    @Test
    void namedTopicsWithErrorsAndCursorChecks() throws Exception {
        DescribeTopicPartitionsResponse resp = call(100, null, 0, "c", "missing", "bad name", "a");
        List<String> names = new ArrayList<>();
        for (DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic t : resp.topics()) {
            names.add(t.name() + "=" + ErrorCode.forCode(t.errorCode()));
        }
        assertEquals(List.of("a=NONE", "bad name=INVALID_TOPIC_EXCEPTION", "c=NONE",
                "missing=UNKNOWN_TOPIC_OR_PARTITION"), names);

        DescribeTopicPartitionsResponse wrongCursor = call(100, "b", 0, "a", "c");
        assertEquals(2, wrongCursor.topics().size());
        for (DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic t : wrongCursor.topics()) {
            assertEquals(ErrorCode.INVALID_REQUEST.code(), t.errorCode());
        }
        assertEquals(ErrorCode.INVALID_REQUEST.code(), call(100, "a", -1, "a").topics().get(0).errorCode());
    }
}
