package io.samsa.bench.harness;

import io.samsa.wire.message.ApiMessageType;
import io.samsa.wire.message.CreateTopicsRequest;
import io.samsa.wire.message.CreateTopicsResponse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the benchmark's topics in one CreateTopics request (one JVM start instead of one per topic with the
 * CLI): {@code NAME:PARTITIONS[:key=value,key=value]}, replication factor 1. An existing topic is not an
 * error. Exits 1 when the broker refuses one.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.harness.CreateTopics HOST PORT SPEC...}
 */
public final class CreateTopics {
    private static final short TOPIC_ALREADY_EXISTS = 36;

    private CreateTopics() {
    }

    public static void main(String[] args) throws IOException {
        List<CreateTopicsRequest.CreatableTopic> topics = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            String[] parts = args[i].split(":", 3);
            List<CreateTopicsRequest.CreatableTopicConfig> configs = new ArrayList<>();
            if (parts.length == 3 && !parts[2].isEmpty()) {
                for (String kv : parts[2].split(",")) {
                    String[] p = kv.split("=", 2);
                    configs.add(new CreateTopicsRequest.CreatableTopicConfig().setName(p[0]).setValue(p[1]));
                }
            }
            topics.add(new CreateTopicsRequest.CreatableTopic().setName(parts[0])
                    .setNumPartitions(Integer.parseInt(parts[1])).setReplicationFactor((short) 1)
                    .setConfigs(configs));
        }
        try (WireClient c = new WireClient(args[0], Integer.parseInt(args[1]), 120_000)) {
            short v = c.negotiate(ApiMessageType.CREATE_TOPICS, (short) 7);
            if (v < 0) {
                System.err.println("The broker does not answer CreateTopics");
                System.exit(1);
            }
            CreateTopicsResponse r = c.call(ApiMessageType.CREATE_TOPICS, v,
                    new CreateTopicsRequest().setTopics(topics).setTimeoutMs(60_000), new CreateTopicsResponse());
            int failed = 0;
            for (CreateTopicsResponse.CreatableTopicResult t : r.topics()) {
                if (t.errorCode() != 0 && t.errorCode() != TOPIC_ALREADY_EXISTS) {
                    System.err.println("Cannot create " + t.name() + ": error " + t.errorCode() + " "
                            + t.errorMessage());
                    failed++;
                }
            }
            System.exit(failed == 0 ? 0 : 1);
        }
    }
}
