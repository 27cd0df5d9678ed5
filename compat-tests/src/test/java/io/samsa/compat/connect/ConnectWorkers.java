package io.samsa.compat.connect;

import io.samsa.compat.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.distributed.DistributedHerder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.util.FutureCallback;

/** Distributed Connect workers in the test's JVM, and the few herder calls the Connect tests make. */
final class ConnectWorkers {
    private ConnectWorkers() {
    }

    /**
     * A distributed worker's settings: group {@code groupId}, its config, offset and status topics
     * {@code topicPrefix}-configs, -offsets and -status (one replica, one partition), string converters, the REST
     * listener {@code listener}.
     */
    static Map<String, String> props(String bootstrap, String groupId, String topicPrefix, String listener) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", groupId);
        p.put("config.storage.topic", topicPrefix + "-configs");
        p.put("offset.storage.topic", topicPrefix + "-offsets");
        p.put("status.storage.topic", topicPrefix + "-status");
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", "1");
        p.put("status.storage.partitions", "1");
        p.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
        p.put("listeners", listener);
        // A restarted worker gets its connector back at once, not after the 5-minute grace of a lost member.
        p.put("scheduled.rebalance.max.delay.ms", "0");
        return p;
    }

    /**
     * Starts a worker with {@code props} and returns once it is ready. Connect exits the JVM when it cannot start
     * and swaps the thread's context class loader for its plugin loader: the first throws here instead, the second
     * is undone.
     */
    static Connect<DistributedHerder> start(Map<String, String> props) throws InterruptedException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Connect wanted to exit with " + code + ": " + message);
        });
        Connect<DistributedHerder> connect;
        try {
            connect = new ConnectDistributed().startConnect(props);
        } finally {
            Exit.resetExitProcedure();
            Thread.currentThread().setContextClassLoader(loader);
        }
        await("the worker is ready", () -> connect.herder().isReady());
        return connect;
    }

    /** Creates or updates connector {@code name}, retrying while the worker rebalances. */
    static void putConnector(Herder herder, String name, Map<String, String> config) throws InterruptedException {
        List<Exception> refusals = new ArrayList<>();
        try {
            await("the connector config is accepted", () -> {
                FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
                herder.putConnectorConfig(name, config, true, cb);
                try {
                    cb.get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception rebalancing) {
                    refusals.add(rebalancing);
                    return false;
                }
            });
        } catch (AssertionError e) {
            e.addSuppressed(refusals.isEmpty() ? new IllegalStateException("no answer") : refusals.get(0));
            throw e;
        }
    }

    /** Whether connector {@code name} and its one task are RUNNING. */
    static boolean running(Herder herder, String name) {
        try {
            ConnectorStateInfo s = herder.connectorStatus(name);
            return "RUNNING".equals(s.connector().state()) && s.tasks().size() == 1
                    && "RUNNING".equals(s.tasks().get(0).state());
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** The state of connector {@code name}'s first task, or "" while it has none. */
    static String taskState(Herder herder, String name) {
        try {
            ConnectorStateInfo s = herder.connectorStatus(name);
            return s.tasks().isEmpty() ? "" : s.tasks().get(0).state();
        } catch (RuntimeException notYet) {
            return "";
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Topics.await(what, 120, condition);
    }
}
