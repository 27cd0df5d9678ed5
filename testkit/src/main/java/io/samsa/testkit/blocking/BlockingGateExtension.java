package io.samsa.testkit.blocking;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The blocking gate: after each test class, fails the class if an event loop blocked while it ran, naming every
 * call site with its stack ({@link BlockingCalls}). Registered for every Jupiter test class of every module that
 * has testkit on its test class path; it has something to report only where BlockHound is installed (the
 * integration tests of server, embedded and compat-tests). There the POM sets {@code samsa.blockingGate=required},
 * and the gate fails a class if BlockHound is not installed, so that the gate cannot be off without notice.
 */
public final class BlockingGateExtension implements BeforeAllCallback, AfterAllCallback {
    /** System property: "required" makes a missing BlockHound installation fail every test class. */
    public static final String REQUIRED_PROPERTY = "samsa.blockingGate";

    @Override
    public void beforeAll(ExtensionContext context) {
        if ("required".equals(System.getProperty(REQUIRED_PROPERTY)) && !BlockingCalls.installed()) {
            throw new IllegalStateException("The blocking gate is required (-D" + REQUIRED_PROPERTY
                    + "=required) but BlockHound is not installed: is blockhound-junit-platform on the class path,"
                    + " and does the JVM run with -XX:+AllowRedefinitionToAddDeleteMethods?");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<BlockingCall> calls = BlockingCalls.collect();
        if (!calls.isEmpty()) {
            throw new BlockingCallError(context.getRequiredTestClass().getName(), calls);
        }
    }
}
