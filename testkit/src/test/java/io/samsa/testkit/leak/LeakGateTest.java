package io.samsa.testkit.leak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The leak gate fails a class that leaks and passes one that does not. The fixtures run through the JUnit
 * Platform launcher inside this test (with the same auto-detected extension as the build), so the build stays
 * green; outside that launcher they are disabled.
 */
class LeakGateTest {
    private static final String FIXTURE_PARAMETER = "samsa.testkit.leakGateFixtures";

    @Test
    void theGateIsActiveInThisJvm() {
        assertNull(LeakRecorder.inactiveReason());
    }

    @Test
    void aClassThatLeaksABufferFailsNamingTheLeakRecord() {
        Map<String, TestExecutionResult> results = runFixture(LeakingFixture.class);

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
        Map<String, TestExecutionResult> results = runFixture(CleanFixture.class);

        assertEquals(TestExecutionResult.Status.SUCCESSFUL, results.get(CleanFixture.class.getName()).getStatus());
        assertEquals(TestExecutionResult.Status.SUCCESSFUL,
                results.get(CleanFixture.class.getName() + "#allocatesAndReleases").getStatus());
    }

    /** Runs one fixture class through a fresh launcher; results by class name and "class#method". */
    private static Map<String, TestExecutionResult> runFixture(Class<?> fixture) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(fixture))
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .configurationParameter(FIXTURE_PARAMETER, "true")
                .build();
        Map<String, TestExecutionResult> results = new HashMap<>();
        LauncherFactory.create().execute(request, new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                id.getSource().ifPresent(source -> {
                    if (source instanceof ClassSource cs) {
                        results.put(cs.getClassName(), result);
                    } else if (source instanceof org.junit.platform.engine.support.descriptor.MethodSource ms) {
                        results.put(ms.getClassName() + "#" + ms.getMethodName(), result);
                    }
                });
            }
        });
        return results;
    }

    /** Enables the fixtures only inside {@link #runFixture}. */
    static final class OnlyInsideTheGateTest implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(FIXTURE_PARAMETER).isPresent()
                    ? ConditionEvaluationResult.enabled("run by LeakGateTest")
                    : ConditionEvaluationResult.disabled("a fixture of LeakGateTest");
        }
    }

    @ExtendWith(OnlyInsideTheGateTest.class)
    static final class LeakingFixture {
        @Test
        void allocatesAndForgets() {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            buf.writeLong(42);
        }
    }

    @ExtendWith(OnlyInsideTheGateTest.class)
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
