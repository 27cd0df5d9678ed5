package io.samsa.arch;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module and package rules ({@link ModuleRules}) over the main classes of every Samsa module on this module's
 * test class path. {@link ModuleRulesCanFailTest} shows that each rule catches what it forbids.
 */
@AnalyzeClasses(packages = "io.samsa", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {
    private static final ModuleRules RULES = new ModuleRules("io.samsa");

    @ArchTest
    static final ArchRule coordinatorReachesNoLogReplicationControllerRaftMetadataOrServer =
            RULES.mustNotReach("coordinator");

    @ArchTest
    static final ArchRule logReachesNoReplicationControllerRaftMetadataCoordinatorOrServer = RULES.mustNotReach("log");

    @ArchTest
    static final ArchRule controllerReachesNoServerOrReplication = RULES.mustNotReach("controller");

    @ArchTest
    static final ArchRule raftReachesNoServerOrReplication = RULES.mustNotReach("raft");

    @ArchTest
    static final ArchRule metadataReachesNoLogReplicationRaftControllerCoordinatorOrServer =
            RULES.mustNotReach("metadata");

    @ArchTest
    static final ArchRule replicationReachesNoControllerMetadataRaftCoordinatorOrServer =
            RULES.mustNotReach("replication");

    @ArchTest
    static final ArchRule onlyEmbeddedAndTestCodeUseServer = RULES.onlyEmbeddingUsesServer();

    @ArchTest
    static final ArchRule testkitUsesOnlyCommon = RULES.testkitUsesOnlyCommon();

    @ArchTest
    static final ArchRule onlyServerWiresReplicationControllerAndCoordinator = RULES.onlyServerWires();

    @ArchTest
    static final ArchRule internalsArePackagePrivateToTheirModule = RULES.internalsStayInside();

    @ArchTest
    static final ArchRule serverNamesNoConcreteController = RULES.serverNamesNoConcreteController();
}
