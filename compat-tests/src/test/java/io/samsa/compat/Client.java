package io.samsa.compat;

import java.util.List;

/**
 * One real client (a library at one version, or a tool) that runs compatibility scenarios against a
 * broker. Implementations are used from the runner's thread, one scenario at a time.
 */
public interface Client {

    /** Column name in the matrix, e.g. {@code java-4.4.0}. */
    String name();

    /** Null when the client can run here; otherwise why not (it is then reported as skipped). */
    String unavailableReason();

    /** The scenario ids (see {@link Scenarios}) this client implements. */
    List<String> scenarios();

    /**
     * Runs {@code scenario} against {@code bootstrap}; names every topic and group it creates with
     * {@code prefix} so that runs never collide.
     */
    Outcome run(String scenario, String bootstrap, String prefix);
}
