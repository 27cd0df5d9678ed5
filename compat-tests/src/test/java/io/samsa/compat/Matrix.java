package io.samsa.compat;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs every scenario with every client against every broker and renders the result: one table per
 * broker (scenario rows, client columns), the reasons for failures and skips, and the closing line
 * {@code N passed, N failed, N skipped}. Used from one thread.
 */
public final class Matrix {
    /** One cell: a scenario run by a client against a broker. */
    public record Cell(String broker, String client, String scenario, Outcome outcome) {
    }

    private final List<Cell> cells = new ArrayList<>();
    private final PrintStream progress;

    public Matrix(PrintStream progress) {
        this.progress = progress;
    }

    /** Runs {@code scenarios} with each client against {@code target}. */
    public void run(BrokerTarget target, List<Client> clients, List<String> scenarios) {
        String runId = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
        for (Client client : clients) {
            for (String scenario : scenarios) {
                Outcome o;
                if (!client.scenarios().contains(scenario)) {
                    o = Outcome.notApplicable();
                } else if (client.unavailableReason() != null) {
                    o = Outcome.skip(client.unavailableReason());
                } else {
                    String prefix = "compat-" + runId + "-" + shortName(client.name()) + "-" + scenario;
                    o = client.run(scenario, target.bootstrap(), prefix);
                    progress.printf("%-12s %-22s %-22s %-5s %6d ms %s%n", target.name(), client.name(), scenario,
                            o.cell(), o.millis(), o.detail());
                }
                cells.add(new Cell(target.name(), client.name(), scenario, o));
            }
        }
    }

    public List<Cell> cells() {
        return cells;
    }

    public long count(Outcome.Status status) {
        return cells.stream().filter(c -> c.outcome().status() == status).count();
    }

    /** The tables, the reasons, and the closing line. */
    public void print(PrintStream out) {
        for (Map.Entry<String, Map<String, Map<String, Outcome>>> broker : byBroker().entrySet()) {
            out.println();
            out.println("Broker: " + broker.getKey());
            List<String> clients = new ArrayList<>(broker.getValue().keySet());
            int w0 = Scenarios.ALL.keySet().stream().mapToInt(String::length).max().orElse(10);
            StringBuilder head = new StringBuilder(String.format("%-" + w0 + "s", "scenario"));
            for (String c : clients) {
                head.append(" | ").append(c);
            }
            out.println(head);
            out.println("-".repeat(head.length()));
            for (String scenario : scenarioOrder()) {
                StringBuilder row = new StringBuilder(String.format("%-" + w0 + "s", scenario));
                for (String c : clients) {
                    Outcome o = broker.getValue().get(c).get(scenario);
                    row.append(" | ").append(String.format("%-" + c.length() + "s", o == null ? "-" : o.cell()));
                }
                out.println(row);
            }
        }
        out.println();
        for (Cell c : cells) {
            if (c.outcome().status() == Outcome.Status.FAIL) {
                out.println("FAIL " + c.broker() + " " + c.client() + " " + c.scenario() + ": " + c.outcome().detail());
            }
        }
        Map<String, String> skipReasons = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (c.outcome().status() == Outcome.Status.SKIP) {
                skipReasons.merge(c.client() + ": " + c.outcome().detail(), c.scenario(), (a, b) -> a + ", " + b);
            }
        }
        skipReasons.forEach((reason, scenarios) -> out.println("SKIP " + reason + " [" + scenarios + "]"));
        out.println(count(Outcome.Status.PASS) + " passed, " + count(Outcome.Status.FAIL) + " failed, "
                + count(Outcome.Status.SKIP) + " skipped");
    }

    /** The matrix as a Markdown table: a row per scenario, a column per client, cells "broker1 / broker2 ...". */
    public String markdown() {
        Map<String, Map<String, Map<String, Outcome>>> byBroker = byBroker();
        List<String> brokers = new ArrayList<>(byBroker.keySet());
        List<String> clients = new ArrayList<>();
        for (Map<String, Map<String, Outcome>> m : byBroker.values()) {
            for (String c : m.keySet()) {
                if (!clients.contains(c)) {
                    clients.add(c);
                }
            }
        }
        StringBuilder sb = new StringBuilder("| scenario (" + String.join(" / ", brokers) + ") |");
        for (String c : clients) {
            sb.append(' ').append(c).append(" |");
        }
        sb.append("\n|---|").append("---|".repeat(clients.size())).append('\n');
        for (String scenario : scenarioOrder()) {
            sb.append("| ").append(scenario).append(" |");
            for (String c : clients) {
                List<String> cells = new ArrayList<>();
                for (String b : brokers) {
                    Outcome o = byBroker.get(b).getOrDefault(c, Map.of()).get(scenario);
                    cells.add(o == null ? "-" : o.cell());
                }
                sb.append(' ').append(cells.stream().allMatch("-"::equals) ? "-" : String.join(" / ", cells))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private List<String> scenarioOrder() {
        List<String> order = new ArrayList<>();
        for (String s : Scenarios.ids()) {
            if (cells.stream().anyMatch(c -> c.scenario().equals(s)
                    && c.outcome().status() != Outcome.Status.NOT_APPLICABLE)) {
                order.add(s);
            }
        }
        return order;
    }

    private Map<String, Map<String, Map<String, Outcome>>> byBroker() {
        Map<String, Map<String, Map<String, Outcome>>> m = new LinkedHashMap<>();
        for (Cell c : cells) {
            m.computeIfAbsent(c.broker(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(c.client(), k -> new LinkedHashMap<>()).put(c.scenario(), c.outcome());
        }
        return m;
    }

    private static String shortName(String client) {
        return client.replaceAll("[^A-Za-z0-9]", "");
    }
}
