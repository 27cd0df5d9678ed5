package io.samsa.server.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Kafka's validation rules for a node's roles in a KRaft cluster ({@code process.roles}, {@code node.id},
 * {@code controller.listener.names}, {@code controller.quorum.voters}, {@code controller.quorum.bootstrap.servers},
 * and the listeners), checked when the configuration is built. Samsa's one-node mode (both roles, neither voters
 * nor bootstrap servers: what {@code scripts/samsa start} runs) keeps the rules it always had; every other
 * configuration gets Kafka's:
 *
 * <ul>
 *   <li>every node: the voters or the bootstrap servers are set;
 *   <li>a controller ({@code controller} or both roles): its id is one of the voters (when voters are set), and
 *       {@code controller.listener.names} names listeners of {@code listeners}, at least one;
 *   <li>controller only: {@code listeners} holds controller listeners only, and an explicit
 *       {@code inter.broker.listener.name} is not one of them;
 *   <li>broker only: its id is not one of the voters, {@code controller.listener.names} is set, and none of those
 *       listeners is in {@code listeners} or in {@code advertised.listeners};
 *   <li>a broker: at least one broker listener is advertised, {@code inter.broker.listener.name} is one of them,
 *       every advertised broker listener is one of {@code listeners}, and none advertises 0.0.0.0.
 * </ul>
 *
 * Stateless.
 */
final class ClusterRules {
    private ClusterRules() {
    }

    static void check(BrokerConfig c) {
        Set<BrokerConfig.Role> roles = c.processRoles();
        Map<Integer, QuorumVoter> voters = c.quorumVoters();
        List<QuorumVoter> bootstrap = c.quorumBootstrapServers();
        if (c.standalone()) {
            return;
        }
        int nodeId = c.nodeId();
        List<String> controllerNames = c.controllerListenerNames();
        List<Endpoint> listeners = c.listeners();
        List<String> listenerNames = listeners.stream().map(Endpoint::listenerName).toList();
        if (voters.isEmpty() && bootstrap.isEmpty()) {
            throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "If using " + BrokerConfig.PROCESS_ROLES
                    + ", either " + BrokerConfig.QUORUM_BOOTSTRAP_SERVERS + " must contain the set of bootstrap "
                    + "controllers or " + BrokerConfig.QUORUM_VOTERS + " must contain a parseable set of controllers.");
        }
        boolean broker = roles.contains(BrokerConfig.Role.BROKER);
        boolean controller = roles.contains(BrokerConfig.Role.CONTROLLER);
        if (controller) {
            if (!voters.isEmpty() && !voters.containsKey(nodeId)) {
                throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "If " + BrokerConfig.PROCESS_ROLES
                        + " contains the 'controller' role, the node id " + nodeId + " must be included in the set of "
                        + "voters " + BrokerConfig.QUORUM_VOTERS + "=" + voters.keySet());
            }
            if (controllerNames.stream().noneMatch(listenerNames::contains)) {
                throw new ConfigException(BrokerConfig.CONTROLLER_LISTENER_NAMES, BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " must contain at least one value appearing in the '" + BrokerConfig.LISTENERS
                        + "' configuration when running the KRaft controller role");
            }
            if (!listenerNames.containsAll(controllerNames)) {
                throw new ConfigException(BrokerConfig.CONTROLLER_LISTENER_NAMES, BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " must only contain values appearing in the '" + BrokerConfig.LISTENERS
                        + "' configuration when running the KRaft controller role");
            }
        }
        if (controller && !broker) {
            if (!controllerNames.containsAll(listenerNames)) {
                throw new ConfigException(BrokerConfig.LISTENERS, "The " + BrokerConfig.LISTENERS + " config must "
                        + "only contain KRaft controller listeners from " + BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " when " + BrokerConfig.PROCESS_ROLES + "=controller");
            }
            String interBroker = c.original(BrokerConfig.INTER_BROKER_LISTENER_NAME);
            if (interBroker != null && controllerNames.contains(interBroker.trim().toUpperCase(Locale.ROOT))) {
                throw new ConfigException(BrokerConfig.CONTROLLER_LISTENER_NAMES, BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " must not contain an explicitly set " + BrokerConfig.INTER_BROKER_LISTENER_NAME
                        + " configuration value when " + BrokerConfig.PROCESS_ROLES + "=controller");
            }
        }
        if (broker && !controller) {
            if (voters.containsKey(nodeId)) {
                throw new ConfigException(BrokerConfig.QUORUM_VOTERS, "If " + BrokerConfig.PROCESS_ROLES
                        + " contains just the 'broker' role, the node id " + nodeId + " must not be included in the "
                        + "set of voters " + BrokerConfig.QUORUM_VOTERS + "=" + voters.keySet());
            }
            if (controllerNames.isEmpty()) {
                throw new ConfigException(BrokerConfig.CONTROLLER_LISTENER_NAMES, BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " must contain at least one value when running KRaft with just the broker role");
            }
            if (controllerNames.stream().anyMatch(listenerNames::contains)) {
                throw new ConfigException(BrokerConfig.CONTROLLER_LISTENER_NAMES, BrokerConfig.CONTROLLER_LISTENER_NAMES
                        + " must not contain a value appearing in the '" + BrokerConfig.LISTENERS + "' configuration "
                        + "when running KRaft with just the broker role");
            }
            for (Endpoint e : c.explicitAdvertisedListeners()) {
                if (controllerNames.contains(e.listenerName())) {
                    throw new ConfigException(BrokerConfig.ADVERTISED_LISTENERS, "The " + BrokerConfig.ADVERTISED_LISTENERS
                            + " config must not contain KRaft controller listeners from "
                            + BrokerConfig.CONTROLLER_LISTENER_NAMES + " when " + BrokerConfig.PROCESS_ROLES
                            + " contains just the broker role: clients do not send requests to KRaft controllers "
                            + "through advertised listeners");
                }
            }
        }
        if (broker) {
            checkBrokerListeners(c, listenerNames);
        }
        List<Endpoint> advertised = new ArrayList<>(c.advertisedListeners());
        advertised.addAll(c.advertisedControllerListeners());
        for (Endpoint e : advertised) {
            if ("0.0.0.0".equals(e.host())) {
                throw new ConfigException(BrokerConfig.ADVERTISED_LISTENERS, BrokerConfig.ADVERTISED_LISTENERS
                        + " cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.");
            }
        }
    }

    private static void checkBrokerListeners(BrokerConfig c, List<String> listenerNames) {
        Set<String> advertised = new LinkedHashSet<>();
        c.advertisedListeners().forEach(e -> advertised.add(e.listenerName()));
        if (advertised.isEmpty()) {
            throw new ConfigException(BrokerConfig.ADVERTISED_LISTENERS, "There must be at least one broker "
                    + "advertised listener. Perhaps all listeners appear in " + BrokerConfig.CONTROLLER_LISTENER_NAMES
                    + "?");
        }
        String interBroker = c.interBrokerListenerName();
        if (!advertised.contains(interBroker)) {
            throw new ConfigException(BrokerConfig.INTER_BROKER_LISTENER_NAME, BrokerConfig.INTER_BROKER_LISTENER_NAME
                    + " must be a listener name defined in " + BrokerConfig.ADVERTISED_LISTENERS + ". The valid options "
                    + "based on currently configured listeners are " + String.join(",", advertised));
        }
        if (!listenerNames.containsAll(advertised)) {
            throw new ConfigException(BrokerConfig.ADVERTISED_LISTENERS, BrokerConfig.ADVERTISED_LISTENERS
                    + " listener names must be equal to or a subset of the ones defined in " + BrokerConfig.LISTENERS
                    + ". Found " + String.join(",", advertised) + ". The valid options based on the current "
                    + "configuration are " + String.join(",", listenerNames));
        }
    }
}
