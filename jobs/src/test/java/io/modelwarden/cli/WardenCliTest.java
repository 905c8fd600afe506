package io.modelwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command line contract: exit codes, one-line errors naming the key or path, help text. */
class WardenCliTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    static Path dir;

    static Path csv;

    @BeforeAll
    static void data() throws Exception {
        csv = DatasetFiles.writeCsv(PoisonedDataset.poisoned(3, 1_500, 6, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02)), dir.resolve("d.csv"));
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static void assertOneLineError(Result r, String... fragments) {
        assertThat(r.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("warden: ").doesNotContain("Exception").contains(fragments);
    }

    @Test
    void scanWritesItsOutputsAndSaysWhereTheReportIs() {
        Path out = dir.resolve("ok");
        Result r = run("scan", "--input", csv.toString(), "--output", out.toString(), "--parallelism", "2");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains(out.resolve("report.html").toString());
        assertThat(out.resolve("findings.jsonl")).exists();
        assertThat(out.resolve("summary.json")).exists();
        assertThat(out.resolve("rejected.jsonl")).exists();
        assertThat(out.resolve("baseline/baseline.json")).exists();
    }

    @Test
    void helpExplainsEveryOption() {
        Result top = run("--help");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("scan");
        Result scan = run("scan", "--help");
        assertThat(scan.code()).isZero();
        assertThat(scan.out()).contains("--input", "--output", "--label-column", "--id-column", "--baseline", "--config", "--set",
                "--jdbc-url", "--kafka-bootstrap", "--kafka-topic", "--parallelism");
    }

    @Test
    void missingInputStopsWithExitTwo() {
        assertOneLineError(run("scan", "--input", dir.resolve("nope.csv").toString(), "--output", dir.resolve("o1").toString()), "--input", "nope.csv");
    }

    @Test
    void missingLabelColumnStopsWithExitTwo() {
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o2").toString(), "--label-column", "target"),
                "--label-column", "'target'");
    }

    @Test
    void unreadableParquetStopsWithExitTwo() throws Exception {
        Path bad = Files.writeString(dir.resolve("broken.parquet"), "this is not parquet");
        assertOneLineError(run("scan", "--input", bad.toString(), "--output", dir.resolve("o3").toString()), "broken.parquet", "not a readable Parquet file");

        // In a folder, whose footers the client reads on several threads: the same one line.
        Path folder = Files.createDirectories(dir.resolve("parts"));
        PoisonedDataset data = PoisonedDataset.poisoned(3, 300, 4, new PoisonedDataset.Rates(0, 0, 0, 0));
        DatasetFiles.writeParquet(data, folder.resolve("part-0.parquet"), 0, 150);
        Files.writeString(folder.resolve("part-1.parquet"), "this is not parquet either");
        DatasetFiles.writeParquet(data, folder.resolve("part-2.parquet"), 150, 300);
        assertOneLineError(run("scan", "--input", folder.toString(), "--output", dir.resolve("o3b").toString()), "part-1.parquet", "not a readable Parquet file");
    }

    @Test
    void badOptionStopsWithExitTwo() {
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o4").toString(), "--frobnicate"), "--frobnicate");
        assertOneLineError(run("scan", "--output", dir.resolve("o4").toString()), "--input");
    }

    @Test
    void badConfigValueNamesTheKey() {
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o5").toString(),
                "--set", "scan.detectors.duplicates.min-copies=-3"), "scan.detectors.duplicates.min-copies", "-3");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o5").toString(),
                "--set", "scan.detectors.drift.psi-threshold=lots"), "scan.detectors.drift.psi-threshold", "lots");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o5").toString(),
                "--set", "scan.detectors.nonsense=1"), "scan.detectors.nonsense", "unknown configuration key");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o5").toString(),
                "--set", "scan.missing-values=drop"), "scan.missing-values", "drop");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o5").toString(),
                "--set", "scan.csv.max-record-bytes=100"), "scan.csv.max-record-bytes", "100");
    }

    @Test
    void badConfigFileNamesTheKey() throws Exception {
        Path cfg = Files.writeString(dir.resolve("bad.yaml"), "scan:\n  detectors:\n    isolation-forest:\n      tress: 100\n");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o6").toString(), "--config", cfg.toString()),
                "scan.detectors.isolation-forest.tress", "unknown configuration key");
        Path broken = Files.writeString(dir.resolve("broken.yaml"), "scan: [unclosed\n");
        assertOneLineError(run("scan", "--input", csv.toString(), "--output", dir.resolve("o6").toString(), "--config", broken.toString()),
                "--config", "broken.yaml");
        Path good = Files.writeString(dir.resolve("good.yaml"), "scan:\n  detectors:\n    duplicates:\n      min-copies: 3\n");
        Result r = run("scan", "--input", csv.toString(), "--output", dir.resolve("o7").toString(), "--config", good.toString(), "--parallelism", "2");
        assertThat(r.code()).isZero();
    }
}
