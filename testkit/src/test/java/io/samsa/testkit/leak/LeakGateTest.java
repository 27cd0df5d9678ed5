package io.samsa.testkit.leak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.samsa.testkit.fixture.FixtureLauncher;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;

/**
 * The leak gate fails a class that leaks and passes one that does not. The fixtures run through the JUnit
 * Platform launcher inside this test ({@link FixtureLauncher}, with the same auto-detected extension as the
 * build), so the build stays green; outside that launcher they are disabled.
 */
class LeakGateTest {
    @Test
    void theGateIsActiveInThisJvm() {
        assertNull(LeakRecorder.inactiveReason());
    }

    @Test
    void aClassThatLeaksABufferFailsNamingTheLeakRecord() {
        Map<String, TestExecutionResult> results = FixtureLauncher.run(LeakingFixture.class);

        TestExecutionResult result = results.get(LeakingFixture.class.getName());
        assertEquals(TestExecutionResult.Status.FAILED, result.getStatus());
        LeakError error = assertInstanceOf(LeakError.class, result.getThrowable().orElseThrow());
        assertEquals(1, error.leaks().size());
        Leak leak = error.leaks().get(0);
        assertEquals("ByteBuf", leak.resourceType());
        // Paranoid detection: the record names the method that allocated the buffer and never released it.
        assertTrue(leak.records().contains("LeakingFixture.allocatesAndForgets"), leak.records());
        assertTrue(error.getMessage().contains(LeakingFixture.class.getName()), error.getMessage());
        // The test method itself passed: the class fails, after its tests ran.
        assertEquals(TestExecutionResult.Status.SUCCESSFUL,
                results.get(LeakingFixture.class.getName() + "#allocatesAndForgets").getStatus());
    }

    @Test
    void aClassThatReleasesEveryBufferPasses() {
        Map<String, TestExecutionResult> results = FixtureLauncher.run(CleanFixture.class);

        assertEquals(TestExecutionResult.Status.SUCCESSFUL, results.get(CleanFixture.class.getName()).getStatus());
        assertEquals(TestExecutionResult.Status.SUCCESSFUL,
                results.get(CleanFixture.class.getName() + "#allocatesAndReleases").getStatus());
    }

    @ExtendWith(FixtureLauncher.OnlyWhenLaunched.class)
    static final class LeakingFixture {
        @Test
        void allocatesAndForgets() {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            buf.writeLong(42);
        }
    }

    @ExtendWith(FixtureLauncher.OnlyWhenLaunched.class)
    static final class CleanFixture {
        @Test
        void allocatesAndReleases() {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            try {
                buf.writeLong(42);
            } finally {
                buf.release();
            }
        }
    }
}
