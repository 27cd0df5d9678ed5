package io.samsa.server.handler.admin;

import static io.samsa.server.handler.admin.AdminClientIT.admin;
import static io.samsa.server.handler.admin.AdminClientIT.failure;
import static io.samsa.server.handler.admin.AdminClientIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.samsa.server.EmbeddedBroker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.TopicDeletionDisabledException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Admin behaviour that needs its own broker: restarts, dynamic broker configs, deletion disabled. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdminRestartIT {

    @Test
    void topicsIdsAndConfigsSurviveARestart() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start()) {
            Uuid id;
            try (Admin admin = admin(broker)) {
                CreateTopicsResult r = admin.createTopics(List.of(new NewTopic("durable", 3, (short) 1)
                        .configs(Map.of("retention.ms", "7200000", "cleanup.policy", "compact"))));
                get(r.all());
                id = get(r.topicId("durable"));
            }
            broker.restart();
            try (Admin admin = admin(broker)) {
                TopicDescription d = get(admin.describeTopics(List.of("durable")).allTopicNames()).get("durable");
                assertEquals(id, d.topicId());
                assertEquals(3, d.partitions().size());
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, "durable");
                Config c = get(admin.describeConfigs(List.of(res)).all()).get(res);
                assertEquals("7200000", c.get("retention.ms").value());
                assertEquals("compact", c.get("cleanup.policy").value());
            }
        }
    }

    @Test
    void dynamicBrokerConfigBecomesTheTopicDefault() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(); Admin admin = admin(broker)) {
            get(admin.createTopics(List.of(new NewTopic("follows-broker", 1, (short) 1))).all());
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
            get(admin.incrementalAlterConfigs(Map.of(node, List.of(new AlterConfigOp(
                    new ConfigEntry("log.retention.ms", "5000"), AlterConfigOp.OpType.SET)))).all());
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "follows-broker");
            ConfigEntry e = get(admin.describeConfigs(List.of(topic)).all()).get(topic).get("retention.ms");
            assertEquals("5000", e.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, e.source());
            ConfigEntry b = get(admin.describeConfigs(List.of(node)).all()).get(node).get("log.retention.ms");
            assertEquals("5000", b.value());
            assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, b.source());
        }
    }

    @Test
    void deletionDisabledAndInternalTopicsAreRefused() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(Map.of("delete.topic.enable", "false"));
             Admin admin = admin(broker)) {
            get(admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all());
            assertInstanceOf(TopicDeletionDisabledException.class,
                    failure(admin.deleteTopics(List.of("kept")).all()));
            broker.createTopics(List.of(InternalTopics.creationRequest("__consumer_offsets",
                    broker.broker().config())));
            assertInstanceOf(InvalidRequestException.class,
                    failure(admin.deleteTopics(List.of("__consumer_offsets")).all()));
            assertEquals(true, get(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames())
                    .get("__consumer_offsets").isInternal());
        }
    }
}
