package io.samsa.bench.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    @Test
    void mediansRatiosAndMissingValues() {
        String table = Report.render(List.of(
                "machine\tcpu\t2 cores",
                "samsa\t1\tproduce\tMB/s\t100",
                "samsa\t2\tproduce\tMB/s\t300",
                "samsa\t3\tproduce\tMB/s\t200",
                "kafka\t1\tproduce\tMB/s\t100",
                "kafka\t2\tproduce\tMB/s\tn/a",
                "ceiling\t1\tproduce\tMB/s\t400",
                "ceiling\t2\tproduce\tMB/s\t500"));
        assertTrue(table.contains("- cpu: 2 cores"), table);
        // Medians 200, 100 (the n/a left out) and 450; ratios 2.00, 0.44, 0.22.
        assertTrue(table.contains("| produce | MB/s | 200 (n=3) | 100 (n=1) | 450 (n=2) | 2.00 | 0.44 | 0.22 |"),
                table);
    }

    @Test
    void systemWithoutResultsIsNotApplicable() {
        String table = Report.render(List.of("kafka\t1\tstart-up\tms to first answer\t1500"));
        assertTrue(table.contains("| start-up | ms to first answer | n/a | 1500 (n=1) | n/a | n/a | n/a | n/a |"),
                table);
    }

    @Test
    void aBaselineBuildGetsItsOwnColumnAndRatio() {
        String table = Report.render(List.of(
                "samsa\t1\tproduce\tMB/s\t120",
                "baseline\t1\tproduce\tMB/s\t100",
                "kafka\t1\tproduce\tMB/s\t60"));
        assertTrue(table.contains("| Samsa/ceiling | Kafka/ceiling | before | Samsa/before |"), table);
        assertTrue(table.contains("| produce | MB/s | 120 (n=1) | 60.0 (n=1) | n/a | 2.00 | n/a | n/a | 100 (n=1) | 1.20 |"),
                table);
        String without = Report.render(List.of("samsa\t1\tproduce\tMB/s\t120"));
        assertFalse(without.contains("before"), without);
    }

    @Test
    void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Report.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertTrue(Double.isNaN(Report.median(List.of())));
    }

    @Test
    void replacesOnlyTheMarkedSection(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("r.tsv");
        Files.writeString(results, "samsa\t1\tw\tm\t7\n");
        Path doc = dir.resolve("doc.md");
        Files.writeString(doc, "before\n" + Report.BEGIN + "\nold table\n" + Report.END + "\nafter\n");
        Report.main(new String[] {results.toString(), doc.toString()});
        String text = Files.readString(doc);
        assertTrue(text.startsWith("before\n" + Report.BEGIN + "\n### Side-by-side run"), text);
        assertTrue(text.endsWith(Report.END + "\nafter\n"), text);
        assertFalse(text.contains("old table"), text);
        assertTrue(text.contains("| w | m | 7.00 (n=1) |"), text);
    }
}
