package io.samsa.compat.java;

import io.samsa.compat.Client;
import io.samsa.compat.Outcome;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The official Java clients as a {@link Client}: either the kafka-clients on the test class path (4.4.0),
 * or another line (2.8.x) loaded with its own dependencies in a child-first class loader together with
 * {@link JavaScenarios}, so that the very same scenario code speaks the old protocol versions.
 *
 * <p>Each scenario runs on a worker thread with a time limit, so a broker that never answers fails the
 * scenario instead of hanging the run. Used from the runner's thread.
 */
public final class JavaClient implements Client {
    private static final long LIMIT_SECONDS = 90;
    private static final List<String> SCENARIOS = List.of("metadata", "topic-admin", "roundtrip", "compression",
            "order-and-keys", "consumer-group", "offset-commit-resume", "pubsub-groups", "acks", "idempotence",
            "offsets-by-time", "max-message-size", "long-poll", "transactions");

    private final String name;
    private final String unavailable;
    private final Method run;
    private final ClassLoader loader;

    private JavaClient(String name, String unavailable, Method run, ClassLoader loader) {
        this.name = name;
        this.unavailable = unavailable;
        this.run = run;
        this.loader = loader;
    }

    /** The kafka-clients on this class path. */
    public static JavaClient current() {
        try {
            return new JavaClient("java-" + JavaScenarios.clientVersion(), null,
                    JavaScenarios.class.getMethod("run", String.class, String.class, String.class),
                    JavaScenarios.class.getClassLoader());
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A kafka-clients line whose jars (with its dependencies) are in {@code jarDir}. */
    public static JavaClient isolated(String label, Path jarDir) {
        if (!Files.isDirectory(jarDir)) {
            return new JavaClient(label, "jars not found in " + jarDir + " (scripts/compat fetches them)", null, null);
        }
        try (Stream<Path> jars = Files.list(jarDir)) {
            List<URL> urls = new ArrayList<>();
            for (Path p : (Iterable<Path>) jars.filter(p -> p.toString().endsWith(".jar")).sorted()::iterator) {
                urls.add(p.toUri().toURL());
            }
            urls.add(JavaScenarios.class.getProtectionDomain().getCodeSource().getLocation());
            ClassLoader loader = new ChildFirstLoader(urls.toArray(new URL[0]),
                    JavaScenarios.class.getClassLoader());
            Class<?> scenarios = Class.forName(JavaScenarios.class.getName(), true, loader);
            String version = (String) scenarios.getMethod("clientVersion").invoke(null);
            Method run = scenarios.getMethod("run", String.class, String.class, String.class);
            return new JavaClient("java-" + version, null, run, loader);
        } catch (IOException | ReflectiveOperationException | LinkageError e) {
            return new JavaClient(label, "cannot load kafka-clients from " + jarDir + ": " + e, null, null);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String unavailableReason() {
        return unavailable;
    }

    @Override
    public List<String> scenarios() {
        return SCENARIOS;
    }

    @Override
    public Outcome run(String scenario, String bootstrap, String prefix) {
        if (unavailable != null) {
            return Outcome.skip(unavailable);
        }
        long t0 = System.nanoTime();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "compat-" + name + "-" + scenario);
            t.setDaemon(true);
            t.setContextClassLoader(loader);
            return t;
        });
        try {
            Future<Object> f = worker.submit(() -> run.invoke(null, scenario, bootstrap, prefix));
            Object result = f.get(LIMIT_SECONDS, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (result instanceof String s && s.startsWith("SKIP:")) {
                return Outcome.skip(s.substring(5).trim());
            }
            return Outcome.pass(ms);
        } catch (TimeoutException e) {
            return Outcome.fail("no result within " + LIMIT_SECONDS + " s", (System.nanoTime() - t0) / 1_000_000);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InvocationTargetException ite && ite.getCause() != null) {
                cause = ite.getCause();
            }
            return Outcome.fail(describe(cause), (System.nanoTime() - t0) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.fail("interrupted", 0);
        } finally {
            worker.shutdownNow();
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof AssertionError) {
            return t.getMessage();
        }
        StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" <- ").append(c);
        }
        return sb.toString();
    }

    /** Loads Kafka's classes and the scenarios from its own jars first; the JDK from the parent. */
    private static final class ChildFirstLoader extends URLClassLoader {
        ChildFirstLoader(URL[] urls, ClassLoader parent) {
            super("kafka-clients-isolated", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && !name.startsWith("java.") && !name.startsWith("javax.")
                        && !name.startsWith("jdk.") && !name.startsWith("sun.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException e) {
                        c = null;
                    }
                }
                if (c == null) {
                    c = super.loadClass(name, false);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }
}
