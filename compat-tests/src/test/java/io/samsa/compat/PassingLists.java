package io.samsa.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-client lists of scenarios known to pass against Samsa ({@code compat-tests/passing/CLIENT.txt},
 * one scenario id a line, {@code #} comments). CompatSuiteIT holds Samsa to them; the rest are in
 * KNOWN-GAPS.md.
 */
public final class PassingLists {
    private PassingLists() {
    }

    public static List<String> read(Path dir, String client) throws IOException {
        Path f = dir.resolve(client + ".txt");
        List<String> out = new ArrayList<>();
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f)) {
                String s = line.replaceAll("#.*", "").trim();
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** Rewrites each client's list from {@code broker}'s passing cells in {@code matrix}. */
    static void write(Path dir, Matrix matrix, String broker) throws IOException {
        Files.createDirectories(dir);
        Map<String, List<String>> passing = new LinkedHashMap<>();
        for (Matrix.Cell c : matrix.cells()) {
            if (c.broker().equals(broker) && c.outcome().status() != Outcome.Status.NOT_APPLICABLE) {
                List<String> l = passing.computeIfAbsent(c.client(), k -> new ArrayList<>());
                if (c.outcome().status() == Outcome.Status.PASS) {
                    l.add(c.scenario());
                }
            }
        }
        for (Map.Entry<String, List<String>> e : passing.entrySet()) {
            Files.writeString(dir.resolve(e.getKey() + ".txt"), "# Scenarios that pass with " + e.getKey()
                    + " against Samsa (written by scripts/compat --update-passing).\n"
                    + String.join("\n", e.getValue()) + (e.getValue().isEmpty() ? "" : "\n"));
        }
    }
}
