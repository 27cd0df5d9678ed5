package io.samsa.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the raw results of one {@code scripts/bench} run into its Markdown table: the median over rounds of
 * every (workload, metric) for each system, the Samsa/Kafka ratio and the fractions of the do-nothing
 * broker's figure, with the machine's description. Prints the section, and with a second argument replaces
 * the part of that file between {@code <!-- scripts/bench:begin -->} and {@code <!-- scripts/bench:end -->}
 * (appending the markers and section when absent).
 *
 * <p>Input lines, tab-separated: {@code machine KEY VALUE}, {@code note TEXT}, or
 * {@code SYSTEM ROUND WORKLOAD METRIC VALUE} where SYSTEM is samsa, kafka, ceiling or baseline (an earlier
 * Samsa build measured in the same run, {@code scripts/bench --baseline DIR}: the table then gains a "before"
 * column and the Samsa/before ratio). Single-threaded.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.samsa.bench.harness.Report results.tsv [doc.md]}
 */
public final class Report {
    static final String BEGIN = "<!-- scripts/bench:begin -->";
    static final String END = "<!-- scripts/bench:end -->";
    private static final String[] SYSTEMS = {"samsa", "kafka", "ceiling", "baseline"};

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        String section = render(Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8));
        System.out.print(section);
        if (args.length > 1) {
            Path doc = Path.of(args[1]);
            String text = Files.exists(doc) ? Files.readString(doc, StandardCharsets.UTF_8) : "";
            int b = text.indexOf(BEGIN);
            int e = text.indexOf(END);
            String block = BEGIN + "\n" + section + END;
            if (b >= 0 && e > b) {
                text = text.substring(0, b) + block + text.substring(e + END.length());
            } else {
                text = text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + block + "\n";
            }
            Files.writeString(doc, text, StandardCharsets.UTF_8);
        }
    }

    static String render(List<String> lines) {
        Map<String, String> machine = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        // (workload \t metric) -> system -> values over rounds
        Map<String, Map<String, List<Double>>> values = new LinkedHashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length == 3 && f[0].equals("machine")) {
                machine.put(f[1], f[2]);
            } else if (f.length == 2 && f[0].equals("note")) {
                notes.add(f[1]);
            } else if (f.length == 5) {
                try {
                    double v = Double.parseDouble(f[4]);
                    values.computeIfAbsent(f[2] + "\t" + f[3], k -> new LinkedHashMap<>())
                            .computeIfAbsent(f[0], k -> new ArrayList<>()).add(v);
                } catch (NumberFormatException ignored) {
                    // A failed measurement ("n/a") is left out of the median.
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("### Side-by-side run (scripts/bench)\n\n");
        for (Map.Entry<String, String> m : machine.entrySet()) {
            sb.append("- ").append(m.getKey()).append(": ").append(m.getValue()).append('\n');
        }
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        boolean before = values.values().stream().anyMatch(v -> v.containsKey("baseline"));
        sb.append("\nMedians over rounds (n = rounds with a result). Ratios: Samsa/Kafka, and each broker as a fraction"
                + " of the do-nothing broker (the client's ceiling)"
                + (before ? "; \"before\" is the baseline build measured in the same rounds, and Samsa/before compares"
                + " this build with it" : "")
                + ". For latency, memory, start-up and CPU s/GB lower is better.\n\n");
        sb.append("| workload | metric | Samsa | Kafka | ceiling | Samsa/Kafka | Samsa/ceiling | Kafka/ceiling |")
                .append(before ? " before | Samsa/before |" : "").append('\n');
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|").append(before ? "---:|---:|" : "").append('\n');
        int shown = before ? SYSTEMS.length : SYSTEMS.length - 1;
        for (Map.Entry<String, Map<String, List<Double>>> e : values.entrySet()) {
            String[] wm = e.getKey().split("\t");
            double[] med = new double[SYSTEMS.length];
            sb.append("| ").append(wm[0]).append(" | ").append(wm[1]).append(" |");
            for (int i = 0; i < SYSTEMS.length; i++) {
                List<Double> vs = e.getValue().get(SYSTEMS[i]);
                med[i] = median(vs);
                if (i < 3) {
                    sb.append(' ').append(cell(med[i], vs)).append(" |");
                }
            }
            sb.append(' ').append(ratio(med[0], med[1])).append(" | ").append(ratio(med[0], med[2])).append(" | ")
                    .append(ratio(med[1], med[2])).append(" |");
            if (shown == SYSTEMS.length) {
                sb.append(' ').append(cell(med[3], e.getValue().get("baseline"))).append(" | ")
                        .append(ratio(med[0], med[3])).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static double median(List<Double> vs) {
        if (vs == null || vs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = vs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    private static String cell(double median, List<Double> vs) {
        return Double.isNaN(median) ? "n/a" : fmt(median) + " (n=" + vs.size() + ")";
    }

    private static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static String fmt(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }
}
