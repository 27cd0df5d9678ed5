package io.samsa.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.log.LogManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data training run goes through the one-node mode and a three-node cluster to a topic of
 * replication factor 3, and stops everything: if it stopped short, the archive would miss the cluster's classes and
 * the launcher would throw it away.
 */
class ClassDataTrainingIT {
    @Test
    void startsBothKindsOfNodeAndCreatesAReplicatedTopic(@TempDir Path dir) throws Exception {
        ClassDataTraining.run(dir);
        assertTrue(Files.exists(dir.resolve("single").resolve(SamsaBroker.METADATA_DIR)), "the one-node broker ran");
        for (String node : List.of("node1", "node2", "node3")) {
            assertTrue(Files.isDirectory(dir.resolve(node).resolve("training-0")), node + " hosts training-0");
            // Every node stopped: its logs closed cleanly.
            assertTrue(Files.exists(dir.resolve(node).resolve(LogManager.CLEAN_SHUTDOWN_FILE)), node + " stopped");
        }
    }
}
