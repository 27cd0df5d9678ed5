package io.samsa.testkit.leak;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The leak gate: after each test class, forces Netty's leak detectors to report and fails the class with a
 * {@link LeakError} naming every leak record. Registered for every Jupiter test class of every module that has
 * testkit on its test class path (META-INF/services, with {@code junit.jupiter.extensions.autodetection.enabled}
 * set by the parent POM). Being registered first, its {@code afterAll} runs after the class's own
 * {@code @AfterAll} methods and extensions, so a broker they close has released its buffers.
 *
 * <p>Before a class runs it checks that the gate can see buffer leaks at all, and fails the class if not.
 */
public final class LeakGateExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakRecorder.install();
        String reason = LeakRecorder.inactiveReason();
        if (reason != null) {
            throw new IllegalStateException("The leak gate cannot see buffer leaks: " + reason);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<Leak> leaks = LeakRecorder.collect();
        if (!leaks.isEmpty()) {
            throw new LeakError(context.getRequiredTestClass().getName(), leaks);
        }
    }
}
