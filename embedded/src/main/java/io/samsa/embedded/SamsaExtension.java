package io.samsa.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one {@link EmbeddedSamsa} per test class, started before the first test on a
 * random loopback port in a temporary directory and closed after the last; tests receive it as a
 * parameter. Injected faults are cleared after each test, so one test's faults never leak into the next.
 *
 * <pre>{@code
 * @ExtendWith(SamsaExtension.class)
 * class MyTest {
 *     @Test void works(EmbeddedSamsa samsa) { ... samsa.bootstrapServers() ... }
 * }
 *
 * // or, with broker settings:
 * @RegisterExtension
 * static final SamsaExtension SAMSA = SamsaExtension.withConfig(Map.of("message.max.bytes", "2048"));
 * }</pre>
 *
 * <p>JUnit calls it on the test's thread. The broker lives in the class's extension store, which closes it.
 */
public final class SamsaExtension implements BeforeAllCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SamsaExtension.class);
    private static final String KEY = "broker";

    private final Map<String, String> config;

    /** For {@code @ExtendWith}: default settings. */
    public SamsaExtension() {
        this(Map.of());
    }

    private SamsaExtension(Map<String, String> config) {
        this.config = new LinkedHashMap<>(config);
    }

    /** For {@code @RegisterExtension}: a broker with these settings. */
    public static SamsaExtension withConfig(Map<String, String> config) {
        return new SamsaExtension(config);
    }

    /** The broker of the current test class (started if needed). */
    public EmbeddedSamsa broker(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> new Resource(EmbeddedSamsa.builder().config(config).start()),
                        Resource.class)
                .samsa;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        broker(context).clearFaults();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return parameterContext.getParameter().getType() == EmbeddedSamsa.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return broker(extensionContext);
    }

    /** Closes the broker when JUnit closes the class's store. */
    private static final class Resource implements ExtensionContext.Store.CloseableResource {
        final EmbeddedSamsa samsa;

        Resource(EmbeddedSamsa samsa) {
            this.samsa = samsa;
        }

        @Override
        public void close() {
            samsa.close();
        }
    }
}
