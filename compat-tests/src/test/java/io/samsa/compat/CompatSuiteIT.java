package io.samsa.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.samsa.compat.java.JavaClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * The fast part of the compatibility suite, run by {@code mvn verify}: against an in-process Samsa, every
 * scenario on each Java client's passing list ({@code compat-tests/passing/CLIENT.txt}), and a few of
 * the listed ones with kcat and the Python clients when they are installed (skipped, with the reason,
 * when not). A listed scenario that fails is a regression. The whole matrix is {@code scripts/compat}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CompatSuiteIT {
    /** Scenarios the non-Java clients run in CI: quick ones that cover the most ground. */
    private static final Set<String> QUICK = Set.of("metadata", "roundtrip", "compression");

    private static SamsaTarget samsa;

    @BeforeAll
    static void start() {
        samsa = SamsaTarget.start();
    }

    @AfterAll
    static void stop() {
        if (samsa != null) {
            samsa.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> passingScenariosStillPass() throws Exception {
        Path root = CompatPaths.root();
        List<Client> clients = List.of(JavaClient.current(),
                JavaClient.isolated("java-2.8", root.resolve("target/deps/clients-2.8")),
                KcatClient.create(), ScriptClient.confluentKafka(root), ScriptClient.kafkaPython(root));
        List<DynamicTest> tests = new ArrayList<>();
        for (Client c : clients) {
            boolean java = c instanceof JavaClient;
            List<String> passing = PassingLists.read(root.resolve("passing"), c.name());
            for (String scenario : passing) {
                if (java || QUICK.contains(scenario)) {
                    tests.add(DynamicTest.dynamicTest(c.name() + " " + scenario, () -> runOne(c, scenario)));
                }
            }
            if (passing.isEmpty()) {
                tests.add(DynamicTest.dynamicTest(c.name() + " (no passing list)", () -> {
                    String why = c.unavailableReason() != null ? c.unavailableReason()
                            : "no scenario of " + c.name() + " is listed as passing against Samsa yet";
                    System.out.println("CompatSuiteIT: skipped " + c.name() + ": " + why);
                    Assumptions.abort(why);
                }));
            }
        }
        return tests.stream();
    }

    private static void runOne(Client c, String scenario) {
        if (c.unavailableReason() != null) {
            System.out.println("CompatSuiteIT: skipped " + c.name() + " " + scenario + ": " + c.unavailableReason());
            Assumptions.abort(c.unavailableReason());
        }
        String prefix = "ci-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "-"
                + c.name().replaceAll("[^A-Za-z0-9]", "") + "-" + scenario;
        Outcome o = c.run(scenario, samsa.bootstrap(), prefix);
        if (o.status() == Outcome.Status.SKIP) {
            System.out.println("CompatSuiteIT: skipped " + c.name() + " " + scenario + ": " + o.detail());
            Assumptions.abort(o.detail());
        }
        assertEquals(Outcome.Status.PASS, o.status(), c.name() + " " + scenario + ": " + o.detail());
    }
}
