package io.samsa.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.samsa.arch.fixture.common.CommonThing;
import io.samsa.arch.fixture.common.CommonUsingServer;
import io.samsa.arch.fixture.controller.QuorumController;
import io.samsa.arch.fixture.coordinator.CoordinatorThing;
import io.samsa.arch.fixture.embedded.EmbeddedUsingInternals;
import io.samsa.arch.fixture.embedded.EmbeddedWiringTwo;
import io.samsa.arch.fixture.log.LogThing;
import io.samsa.arch.fixture.replication.ReplicationThing;
import io.samsa.arch.fixture.server.ServerThing;
import io.samsa.arch.fixture.server.ServerWiringAll;
import io.samsa.arch.fixture.server.network.ServerInternal;
import io.samsa.arch.fixture.wire.message.WireMessage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rule of {@link ModuleRules} fails on a fixture that breaks it (and passes on one that does not). The
 * fixtures live below {@code io.samsa.arch.fixture}, a root of their own with the same module names, so the rules
 * built for that root judge them exactly as the real rules judge Samsa.
 */
class ModuleRulesCanFailTest {
    private static final String ROOT = "io.samsa.arch.fixture";
    private static final ModuleRules RULES = new ModuleRules(ROOT);
    private static final JavaClasses ALL_FIXTURES = new ClassFileImporter().importPackages(ROOT);

    static List<String> modulesWithForbiddenDependencies() {
        return List.copyOf(ModuleRules.FORBIDDEN.keySet());
    }

    @ParameterizedTest
    @MethodSource("modulesWithForbiddenDependencies")
    void reachingAForbiddenModuleFailsNamingEachOne(String module) {
        EvaluationResult result = RULES.mustNotReach(module).evaluate(ALL_FIXTURES);

        assertTrue(result.hasViolation(), module);
        String report = String.join("\n", result.getFailureReport().getDetails());
        for (String forbidden : ModuleRules.FORBIDDEN.get(module)) {
            assertTrue(report.contains(ROOT + "." + forbidden + "."), module + " -> " + forbidden + ":\n" + report);
        }
    }

    @Test
    void aForbiddenModuleRuleWithoutViolationsPasses() {
        JavaClasses clean = new ClassFileImporter().importClasses(CoordinatorThing.class, WireMessage.class);

        assertFalse(RULES.mustNotReach("coordinator").evaluate(clean).hasViolation());
        // metadata and raft have no classes here: their rules pass while the modules do not exist
        assertFalse(RULES.mustNotReach("raft").evaluate(clean).hasViolation());
    }

    @Test
    void usingAnInternalPackageOfAnotherModuleFails() {
        JavaClasses classes = new ClassFileImporter().importClasses(EmbeddedUsingInternals.class, ServerThing.class,
                ServerInternal.class, WireMessage.class);

        EvaluationResult result = RULES.internalsStayInside().evaluate(classes);

        List<String> details = result.getFailureReport().getDetails();
        // the internal package is reported; the module's root package and wire's API package are not
        assertEquals(1, details.size(), String.join("\n", details));
        assertTrue(details.get(0).contains(ServerInternal.class.getName()), details.get(0));
        assertTrue(details.get(0).contains("is internal to server"), details.get(0));
    }

    @Test
    void aModuleOtherThanServerWiringTwoOfReplicationControllerCoordinatorFails() {
        EvaluationResult result = RULES.onlyServerWires().evaluate(new ClassFileImporter().importClasses(
                EmbeddedWiringTwo.class, ReplicationThing.class, CoordinatorThing.class));

        List<String> details = result.getFailureReport().getDetails();
        assertEquals(1, details.size(), String.join("\n", details));
        assertTrue(details.get(0).contains("module embedded reaches coordinator and replication"), details.get(0));
    }

    @Test
    void serverWiringAllThreePasses() {
        JavaClasses classes = new ClassFileImporter().importClasses(ServerWiringAll.class, ReplicationThing.class,
                CoordinatorThing.class, QuorumController.class);

        assertFalse(RULES.onlyServerWires().evaluate(classes).hasViolation());
    }

    @Test
    void aServerClassNamingTheConcreteControllerFails() {
        JavaClasses classes = new ClassFileImporter().importClasses(ServerWiringAll.class, QuorumController.class);

        EvaluationResult result = RULES.serverNamesNoConcreteController().evaluate(classes);

        assertTrue(result.hasViolation());
        assertTrue(String.join("\n", result.getFailureReport().getDetails())
                .contains(ServerWiringAll.class.getName()));
    }

    @Test
    void aModuleBelowServerUsingServerFails() {
        ArchRule rule = RULES.onlyEmbeddingUsesServer();

        assertTrue(rule.evaluate(new ClassFileImporter().importClasses(CommonUsingServer.class, ServerThing.class))
                .hasViolation());
        assertFalse(rule.evaluate(new ClassFileImporter().importClasses(CommonThing.class,
                EmbeddedUsingInternals.class, ServerThing.class)).hasViolation());
    }

    @Test
    void testkitUsingAModuleOtherThanCommonFails() {
        EvaluationResult result = RULES.testkitUsesOnlyCommon().evaluate(ALL_FIXTURES);

        List<String> details = result.getFailureReport().getDetails();
        assertEquals(1, details.size(), String.join("\n", details));
        assertTrue(details.get(0).contains(LogThing.class.getName()), details.get(0));
        assertFalse(details.get(0).contains(CommonThing.class.getName()), details.get(0));
    }
}
