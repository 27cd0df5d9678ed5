package io.samsa.compat;

import io.samsa.compat.java.JavaClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code scripts/compat}: runs the compatibility matrix and prints it.
 *
 * <pre>
 *   --bootstrap HOST:PORT   run against that broker instead of an in-process Samsa
 *   --reference             also start Apache Kafka (single KRaft node on loopback) and run the same suite
 *   --differential          send the same request sequence to Samsa and Kafka and compare the responses
 *   --clients a,b           only clients whose name starts with one of these
 *   --scenarios a,b         only these scenarios
 *   --markdown FILE         also write the matrix as a Markdown table
 *   --update-passing        rewrite passing/CLIENT.txt from this run's Samsa results
 * </pre>
 *
 * Exit status 0 when nothing failed, 1 otherwise.
 */
public final class CompatMain {
    private CompatMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        boolean reference = false;
        boolean differential = false;
        boolean updatePassing = false;
        List<String> clientFilter = List.of();
        List<String> scenarios = Scenarios.ids();
        Path markdown = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = args[++i];
                case "--reference" -> reference = true;
                case "--differential" -> differential = true;
                case "--update-passing" -> updatePassing = true;
                case "--clients" -> clientFilter = Arrays.asList(args[++i].split(","));
                case "--scenarios" -> scenarios = Arrays.asList(args[++i].split(","));
                case "--markdown" -> markdown = Path.of(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i] + "; see scripts/compat --help");
                    System.exit(2);
                }
            }
        }
        Path root = CompatPaths.root();
        List<Client> clients = new ArrayList<>();
        for (Client c : allClients(root)) {
            if (clientFilter.isEmpty() || clientFilter.stream().anyMatch(f -> c.name().startsWith(f))) {
                clients.add(c);
            }
        }
        List<BrokerTarget> targets = new ArrayList<>();
        int exit;
        try {
            targets.add(bootstrap != null ? BrokerTarget.external("broker@" + bootstrap, bootstrap)
                    : SamsaTarget.start());
            if (reference || differential) {
                ReferenceKafka k = ReferenceKafka.start(root.resolve("target/deps/reference"),
                        Files.createTempDirectory("compat-reference-kafka"), "4.4.0");
                System.out.println("Apache Kafka 4.4.0 (pid " + k.pid() + ") at " + k.bootstrap());
                targets.add(k);
            }
            Matrix matrix = new Matrix(System.out);
            if (reference || !differential) {
                for (BrokerTarget t : targets) {
                    matrix.run(t, clients, scenarios);
                }
            }
            int differences = 0;
            if (differential) {
                differences = new Differential(targets.get(0), targets.get(1), System.out).run();
            }
            matrix.print(System.out);
            if (markdown != null) {
                Files.writeString(markdown, matrix.markdown());
            }
            if (updatePassing) {
                PassingLists.write(root.resolve("passing"), matrix, targets.get(0).name());
            }
            exit = matrix.count(Outcome.Status.FAIL) == 0 && differences == 0 ? 0 : 1;
        } finally {
            for (BrokerTarget t : targets) {
                t.close();
            }
        }
        System.exit(exit);
    }

    /** Every client the suite knows, in column order. */
    public static List<Client> allClients(Path root) {
        List<Client> clients = new ArrayList<>();
        clients.add(JavaClient.current());
        clients.add(JavaClient.isolated("java-2.8", root.resolve("target/deps/clients-2.8")));
        clients.add(new CliToolsClient(root.resolve("target/deps/tools")));
        clients.add(KcatClient.create());
        clients.add(ScriptClient.confluentKafka(root));
        clients.add(ScriptClient.kafkaPython(root));
        clients.add(ScriptClient.kafkajs(root));
        return clients;
    }
}
