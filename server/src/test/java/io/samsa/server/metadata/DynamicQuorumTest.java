package io.samsa.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.raft.ReplicaKey;
import io.samsa.raft.VoterSet;
import io.samsa.server.config.BrokerConfig;
import io.samsa.server.config.ConfigException;
import io.samsa.server.config.QuorumPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dynamic quorum's node from its configuration and data directory: meta.properties, formatting, endpoints. */
class DynamicQuorumTest {
    @TempDir
    Path dir;

    private Map<String, String> node(int id, String roles) {
        Map<String, String> c = new HashMap<>();
        c.put("node.id", Integer.toString(id));
        c.put("process.roles", roles);
        c.put("controller.quorum.bootstrap.servers", "127.0.0.1:9101,127.0.0.1:9103");
        c.put("listeners", roles.contains("broker") ? "PLAINTEXT://127.0.0.1:9100,CONTROLLER://127.0.0.1:9101"
                : "CONTROLLER://127.0.0.1:9101");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("cluster.id", "MkU3OEVBNTcwNTJENDM2Qg");
        c.put("log.dirs", dir.toString());
        return c;
    }

    private DynamicQuorum of(Map<String, String> c) throws Exception {
        BrokerConfig config = BrokerConfig.from(c);
        return DynamicQuorum.of(config, QuorumPlan.of(config), dir.resolve("metadata"));
    }

    @Test
    void metaPropertiesIsKafkasLayoutWithItsUuidForm() throws Exception {
        UUID id = new UUID(0x0123456789abcdefL, 0xfedcba9876543210L);
        new MetaProperties(7, "MkU3OEVBNTcwNTJENDM2Qg", id).write(dir);
        String text = Files.readString(dir.resolve("meta.properties"), StandardCharsets.UTF_8);
        assertTrue(text.contains("version=1\n"), text);
        assertTrue(text.contains("node.id=7\n"), text);
        assertTrue(text.contains("cluster.id=MkU3OEVBNTcwNTJENDM2Qg\n"), text);
        // URL-safe base64 of the 16 bytes, no padding: how Kafka prints a Uuid.
        assertTrue(text.contains("directory.id=ASNFZ4mrze_-3LqYdlQyEA\n"), text);
        assertEquals(new MetaProperties(7, "MkU3OEVBNTcwNTJENDM2Qg", id), MetaProperties.load(dir));
    }

    @Test
    void theInitialControllersGiveTheNodeItsDirectoryIdAndTheFirstVoters() throws Exception {
        UUID one = UUID.randomUUID();
        UUID two = UUID.randomUUID();
        Map<String, String> c = node(1, "broker,controller");
        c.put(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, "1@127.0.0.1:9101:" + MetaProperties.encodeUuid(one)
                + ",2@127.0.0.1:9103:" + MetaProperties.encodeUuid(two));
        DynamicQuorum q = of(c);
        assertEquals(one, q.directoryId());
        assertEquals(one, MetaProperties.load(dir).directoryId());
        assertEquals(List.of(new ReplicaKey(1, one), new ReplicaKey(2, two)), q.initialVoters().voters().stream()
                .map(VoterSet.Voter::key).toList());
        assertEquals(List.of(new VoterSet.Endpoint("CONTROLLER", "127.0.0.1", 9101)), q.endpoints());
        assertEquals(List.of("127.0.0.1:9101", "127.0.0.1:9103"), q.bootstrapServers());
        assertEquals("MkU3OEVBNTcwNTJENDM2Qg", q.clusterId());
        // The next start keeps the directory id.
        assertEquals(one, of(c).directoryId());
    }

    @Test
    void withoutInitialControllersANodeJoinsUnderANewDirectoryIdAfterAWipe() throws Exception {
        DynamicQuorum first = of(node(3, "broker,controller"));
        assertNull(first.initialVoters(), "an observer until AddRaftVoter");
        Files.delete(dir.resolve("meta.properties"));
        DynamicQuorum wiped = of(node(3, "broker,controller"));
        assertNotEquals(first.directoryId(), wiped.directoryId());
    }

    @Test
    void standaloneFormatsTheControllerAloneAndStaticOrLegacyNodesAreNotDynamic() throws Exception {
        Map<String, String> c = node(1, "controller");
        c.put(BrokerConfig.FORMAT_STANDALONE, "true");
        DynamicQuorum q = of(c);
        assertEquals(List.of(new ReplicaKey(1, q.directoryId())), q.initialVoters().voters().stream()
                .map(VoterSet.Voter::key).toList());

        Map<String, String> voters = node(1, "controller");
        voters.remove("controller.quorum.bootstrap.servers");
        voters.put("controller.quorum.voters", "1@127.0.0.1:9101");
        assertNull(of(voters));

        Files.delete(dir.resolve("meta.properties"));
        Files.createDirectories(dir.resolve("metadata").resolve("__cluster_metadata-0"));
        assertNull(of(node(1, "controller")), "a metadata log from before directory ids stays static");
    }

    @Test
    void aDataDirectoryOfAnotherNodeOrABadInitialControllerIsRefused() throws Exception {
        of(node(1, "controller"));
        assertThrows(ConfigException.class, () -> of(node(2, "controller")));
        Map<String, String> bad = node(5, "controller");
        bad.put("log.dirs", dir.resolve("other").toString());
        bad.put(BrokerConfig.FORMAT_INITIAL_CONTROLLERS, "5@127.0.0.1:9101");
        assertThrows(ConfigException.class, () -> of(bad));
    }
}
