package io.samsa.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Samsa's module and package rules, in one place: which module owns which package, each module's public API,
 * what each module must never reach, and who may wire modules together. Built for a root package, so that the
 * same rules run over Samsa ({@code io.samsa}, {@link ModuleRulesTest}) and over fixtures that break them
 * ({@link ModuleRulesCanFailTest}).
 *
 * <p>A class belongs to the module whose package it is in (or below). Dependencies are direct: fields, method
 * signatures, calls, constructors, annotations, type parameters. Rules about modules that do not exist yet
 * ({@code metadata}, {@code raft}) pass while they are empty and apply as soon as they have classes.
 */
final class ModuleRules {

    /** Every module and the package it owns below the root. wire-codegen's package lies inside wire's. */
    static final Map<String, String> MODULE_PACKAGES = ordered(
            "wire-codegen", "wire.codegen",
            "common", "common",
            "wire", "wire",
            "log", "log",
            "replication", "replication",
            "metadata", "metadata",
            "raft", "raft",
            "controller", "controller",
            "coordinator", "coordinator",
            "server", "server",
            "embedded", "embedded",
            "testkit", "testkit",
            "bench", "bench",
            "compat", "compat",
            "arch", "arch");

    /** Build and test code: exempt from the wiring rule. */
    static final Set<String> TEST_ONLY = Set.of("testkit", "bench", "compat", "arch");

    /**
     * A module's public API: its root package plus these sub-packages (relative to the module's package). Every
     * other sub-package is the module's own, and no other module may use it.
     */
    static final Map<String, List<String>> API_PACKAGES = Map.of(
            "wire", List.of("message", "record", "protocol", "frame"),
            // the generated metadata records, which the controller writes (the metadata branch)
            "metadata", List.of("record"),
            "server", List.of("config"));

    /** Single classes outside the API packages that other modules may use (relative to the root), with why. */
    static final Map<String, String> API_CLASSES = Map.of(
            "server.network.FaultInjector", "embedded arms faults through it (the embedded broker's test API)");

    /** What each module must never reach. */
    static final Map<String, List<String>> FORBIDDEN = orderedLists(
            "coordinator", List.of("log", "replication", "controller", "raft", "metadata", "server"),
            "log", List.of("replication", "controller", "raft", "metadata", "coordinator", "server"),
            "controller", List.of("server", "replication"),
            "raft", List.of("server", "replication"),
            "metadata", List.of("log", "replication", "raft", "controller", "coordinator", "server"),
            "replication", List.of("controller", "metadata", "raft", "coordinator", "server"));

    /** Only server (and test code) may reach more than one of these. */
    static final List<String> WIRED_MODULES = List.of("replication", "controller", "coordinator");

    /** The modules that may use server: the in-process broker, and test code. */
    static final Set<String> SERVER_USERS = Set.of("server", "embedded", "testkit", "bench", "compat", "arch");

    /** The concrete controller, which handlers must not name (they use the controller client interface). */
    static final String CONCRETE_CONTROLLER = "controller.QuorumController";

    private final String root;

    ModuleRules(String root) {
        this.root = root;
    }

    /** The package a module owns, e.g. {@code io.samsa.wire.codegen} for wire-codegen. */
    String packageOf(String module) {
        return root + "." + MODULE_PACKAGES.get(module);
    }

    /** The module that owns {@code packageName}, or null outside every module. */
    String moduleOf(String packageName) {
        for (Map.Entry<String, String> e : MODULE_PACKAGES.entrySet()) {
            String pkg = root + "." + e.getValue();
            if (packageName.equals(pkg) || packageName.startsWith(pkg + ".")) {
                return e.getKey();
            }
        }
        return null;
    }

    /** {@code module} never depends on a class of a module in {@link #FORBIDDEN}. */
    ArchRule mustNotReach(String module) {
        List<String> forbidden = FORBIDDEN.get(module);
        return noClasses().that().resideInAPackage(packageOf(module) + "..")
                .should().dependOnClassesThat().resideInAnyPackage(subtrees(forbidden))
                .as(module + " never reaches " + String.join(", ", forbidden))
                .allowEmptyShould(true);
    }

    /** Nothing but server, the embedded broker and test code uses server. */
    ArchRule onlyEmbeddingUsesServer() {
        return noClasses().that().resideInAPackage(root + "..")
                .and().resideOutsideOfPackages(subtrees(List.copyOf(SERVER_USERS)))
                .should().dependOnClassesThat().resideInAPackage(packageOf("server") + "..")
                .as("only server wires modules together: nothing but embedded and test code uses server");
    }

    /** testkit is on every module's test class path, so it may use common only (anything else is a cycle). */
    ArchRule testkitUsesOnlyCommon() {
        return noClasses().that().resideInAPackage(packageOf("testkit") + "..")
                .should().dependOnClassesThat(resideInAPackage(root + "..")
                        .and(not(resideInAnyPackage(packageOf("testkit") + "..", packageOf("common") + ".."))))
                .as("testkit uses no Samsa module but common");
    }

    /** No module but server (and test code) reaches more than one of replication, controller, coordinator. */
    ArchRule onlyServerWires() {
        return classes().that().resideInAPackage(root + "..")
                .should(new WiresAtMostOne())
                .as("nothing but server reaches more than one of " + String.join(", ", WIRED_MODULES));
    }

    /** A class uses another module only through that module's public API. */
    ArchRule internalsStayInside() {
        return classes().that().resideInAPackage(root + "..")
                .should(new UsesOnlyPublicApi())
                .as("a module uses another module only through its public API packages");
    }

    /** No server class names the concrete controller. */
    ArchRule serverNamesNoConcreteController() {
        return noClasses().that().resideInAPackage(packageOf("server") + "..")
                .should().dependOnClassesThat().haveFullyQualifiedName(root + "." + CONCRETE_CONTROLLER)
                .as("no server class names " + root + "." + CONCRETE_CONTROLLER)
                .because("handlers talk to a controller client interface, which a broker can later forward to a"
                        + " remote active controller");
    }

    /** Whether {@code target}, a class of {@code module}, is in that module's public API. */
    boolean isPublicApi(String module, JavaClass target) {
        String modulePackage = packageOf(module);
        String pkg = target.getPackageName();
        if (pkg.equals(modulePackage)) {
            return true;
        }
        for (String api : API_PACKAGES.getOrDefault(module, List.of())) {
            if (pkg.equals(modulePackage + "." + api)) {
                return true;
            }
        }
        String name = target.getName();
        int nested = name.indexOf('$');
        String topLevel = nested < 0 ? name : name.substring(0, nested);
        return topLevel.startsWith(root + ".") && API_CLASSES.containsKey(topLevel.substring(root.length() + 1));
    }

    private String[] subtrees(List<String> modules) {
        return modules.stream().map(m -> packageOf(m) + "..").toArray(String[]::new);
    }

    private String moduleOf(JavaClass cls) {
        return moduleOf(base(cls).getPackageName());
    }

    private static JavaClass base(JavaClass cls) {
        return cls.isArray() ? cls.getBaseComponentType() : cls;
    }

    /** Collects, per module, which of the wired modules it reaches; reports modules that reach two or more. */
    private final class WiresAtMostOne extends ArchCondition<JavaClass> {
        private final Map<String, Map<String, String>> reached = new TreeMap<>();

        WiresAtMostOne() {
            super("reach at most one of " + String.join(", ", WIRED_MODULES));
        }

        @Override
        public void init(Collection<JavaClass> allObjectsToTest) {
            reached.clear();
        }

        @Override
        public void check(JavaClass cls, ConditionEvents events) {
            String from = moduleOf(cls);
            if (from == null || from.equals("server") || TEST_ONLY.contains(from)) {
                return;
            }
            for (Dependency d : cls.getDirectDependenciesFromSelf()) {
                String to = moduleOf(d.getTargetClass());
                if (to != null && !to.equals(from) && WIRED_MODULES.contains(to)) {
                    reached.computeIfAbsent(from, m -> new TreeMap<>()).putIfAbsent(to, d.getDescription());
                }
            }
        }

        @Override
        public void finish(ConditionEvents events) {
            for (Map.Entry<String, Map<String, String>> e : reached.entrySet()) {
                if (e.getValue().size() > 1) {
                    List<String> examples = new ArrayList<>(e.getValue().values());
                    events.add(SimpleConditionEvent.violated(e.getKey(), "module " + e.getKey() + " reaches "
                            + String.join(" and ", e.getValue().keySet()) + ", which only server may wire together: "
                            + String.join("; ", examples)));
                }
            }
        }
    }

    /** Reports every dependency on another module's internal package. */
    private final class UsesOnlyPublicApi extends ArchCondition<JavaClass> {
        UsesOnlyPublicApi() {
            super("use other modules only through their public API");
        }

        @Override
        public void check(JavaClass cls, ConditionEvents events) {
            String from = moduleOf(cls);
            if (from == null) {
                return;
            }
            for (Dependency d : cls.getDirectDependenciesFromSelf()) {
                JavaClass target = base(d.getTargetClass());
                String to = moduleOf(target);
                if (to != null && !to.equals(from) && !isPublicApi(to, target)) {
                    events.add(SimpleConditionEvent.violated(d, d.getDescription() + ": " + target.getPackageName()
                            + " is internal to " + to + " (its API: " + apiOf(to) + ")"));
                }
            }
        }

        private String apiOf(String module) {
            List<String> api = new ArrayList<>();
            api.add(packageOf(module));
            for (String sub : API_PACKAGES.getOrDefault(module, List.of())) {
                api.add(packageOf(module) + "." + sub);
            }
            return String.join(", ", api);
        }
    }

    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> orderedLists(Object... keysAndValues) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], (List<String>) keysAndValues[i + 1]);
        }
        return map;
    }
}
