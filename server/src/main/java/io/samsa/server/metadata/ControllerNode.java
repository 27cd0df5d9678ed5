package io.samsa.server.metadata;

import io.samsa.common.ThreadExecutor;
import io.samsa.controller.Controller;
import io.samsa.controller.ControllerConfig;
import io.samsa.server.config.QuorumPlan;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's controller ({@code process.roles} has {@code controller}): the metadata controller of the node's
 * replica of the metadata log, on its own thread {@code samsa-controller-<node>}. The only voter becomes the active
 * controller at once ({@link #start} waits for that, and for the log to be formatted); a voter of a quorum is
 * active whenever the log makes it leader. Thread-safe.
 */
public final class ControllerNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerNode.class);
    private static final long START_TIMEOUT_S = 60;

    private final ThreadExecutor thread;
    private final Controller controller;

    private ControllerNode(ThreadExecutor thread, Controller controller) {
        this.thread = thread;
        this.controller = controller;
    }

    /** Starts the controller over {@code quorum}'s log. Blocking (start-up only) for the only voter. */
    public static ControllerNode start(ControllerConfig config, MetadataQuorum quorum) throws Exception {
        ThreadExecutor thread = new ThreadExecutor("samsa-controller-" + config.nodeId());
        try {
            Controller controller;
            // The only voter leads at once; a dynamic quorum's first voter may have been joined by others since.
            if (quorum.plan().kind() == QuorumPlan.Kind.SINGLE_VOTER && quorum.dynamic() == null) {
                controller = Controller.start(config, quorum.raft(), thread).get(START_TIMEOUT_S, TimeUnit.SECONDS);
            } else {
                controller = Controller.open(config, quorum.raft(), thread);
            }
            return new ControllerNode(thread, controller);
        } catch (ExecutionException e) {
            thread.close();
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            thread.close();
            throw new TimeoutException("The controller did not become active within " + START_TIMEOUT_S + " s");
        } catch (Exception | Error e) {
            thread.close();
            throw e;
        }
    }

    public Controller controller() {
        return controller;
    }

    /** Stops the controller and its thread. Blocking; idempotent. */
    @Override
    public void close() {
        controller.close();
        if (!thread.close(10_000)) {
            log.warn("The controller's thread did not stop within 10 s");
        }
    }
}
