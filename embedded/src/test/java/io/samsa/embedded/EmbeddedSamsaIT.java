package io.samsa.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.samsa.wire.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded broker's life cycle and fault injection, over real loopback sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedSamsaIT {

    @Test
    void startsQuicklyOnLoopbackAndDeletesItsDirectoryOnClose() throws Exception {
        EmbeddedSamsa.start().close(); // warm up class loading and JIT
        long t0 = System.nanoTime();
        Path dir;
        try (EmbeddedSamsa samsa = EmbeddedSamsa.start()) {
            long startMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("EmbeddedSamsa warm start: " + startMillis + " ms");
            // The product target is 100 ms once warm; 1 s leaves room for a loaded CI machine.
            assertTrue(startMillis < 1_000, "warm start took " + startMillis + " ms");
            assertTrue(samsa.bootstrapServers().startsWith("127.0.0.1:"), samsa.bootstrapServers());
            assertTrue(samsa.port() > 0);
            dir = samsa.dataDir();
            assertTrue(Files.isDirectory(dir));
            try (WireProbe probe = new WireProbe(samsa.port())) {
                probe.sendApiVersions(1);
                assertArrayEquals(new int[] {1, 0}, probe.readApiVersions());
            }
        }
        assertFalse(Files.exists(dir), "temporary directory deleted");
    }

    @Test
    void failNextAnswersWithTheErrorForExactlyThatManyRequests() throws Exception {
        try (EmbeddedSamsa samsa = EmbeddedSamsa.start(); WireProbe probe = new WireProbe(portOf(samsa))) {
            samsa.failNext(EmbeddedSamsa.ApiKey.API_VERSIONS, 2, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
            assertEquals(2, samsa.faults().remaining(EmbeddedSamsa.ApiKey.API_VERSIONS));
            short code = ErrorCode.CLUSTER_AUTHORIZATION_FAILED.code();
            for (int corr = 1; corr <= 3; corr++) {
                probe.sendApiVersions(corr);
                assertArrayEquals(new int[] {corr, corr <= 2 ? code : 0}, probe.readApiVersions(), "request " + corr);
            }
            assertEquals(0, samsa.faults().remaining(EmbeddedSamsa.ApiKey.API_VERSIONS));
        }
    }

    @Test
    void delayedRequestIsAnsweredLateAndInOrder() throws Exception {
        try (EmbeddedSamsa samsa = EmbeddedSamsa.start(); WireProbe probe = new WireProbe(portOf(samsa))) {
            samsa.delayNext(EmbeddedSamsa.ApiKey.API_VERSIONS, 1, 300);
            long t0 = System.nanoTime();
            probe.sendApiVersions(10); // delayed
            probe.sendApiVersions(11); // not delayed, but must wait for its turn
            assertArrayEquals(new int[] {10, 0}, probe.readApiVersions());
            assertArrayEquals(new int[] {11, 0}, probe.readApiVersions());
            long elapsedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(elapsedMillis >= 300, "answered after " + elapsedMillis + " ms");
        }
    }

    @Test
    void clearFaultsDisarmsAndBadArgumentsAreRefused() throws Exception {
        try (EmbeddedSamsa samsa = EmbeddedSamsa.start(); WireProbe probe = new WireProbe(portOf(samsa))) {
            samsa.failNext(EmbeddedSamsa.ApiKey.API_VERSIONS, 5, ErrorCode.UNKNOWN_SERVER_ERROR);
            samsa.clearFaults();
            probe.sendApiVersions(1);
            assertArrayEquals(new int[] {1, 0}, probe.readApiVersions());
            assertThrows(IllegalArgumentException.class,
                    () -> samsa.failNext(EmbeddedSamsa.ApiKey.API_VERSIONS, 0, ErrorCode.UNKNOWN_SERVER_ERROR));
            assertThrows(IllegalArgumentException.class, () -> samsa.delayNext((short) 9999, 1, 10));
        }
    }

    @Test
    void restartKeepsPortAndDirectory() throws Exception {
        try (EmbeddedSamsa samsa = EmbeddedSamsa.start()) {
            int port = samsa.port();
            Path dir = samsa.dataDir();
            samsa.restart();
            assertEquals(port, samsa.port());
            assertEquals(dir, samsa.dataDir());
            try (WireProbe probe = new WireProbe(samsa.port())) {
                probe.sendApiVersions(5);
                assertArrayEquals(new int[] {5, 0}, probe.readApiVersions());
            }
        }
    }

    private static int portOf(EmbeddedSamsa samsa) {
        return samsa.port();
    }
}
