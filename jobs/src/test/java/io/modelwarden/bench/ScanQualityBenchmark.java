package io.modelwarden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.IsolationForestDetector;
import io.modelwarden.detect.poisoning.IsolationForestSettings;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.json.Json;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.scan.ScanJob;
import io.modelwarden.scan.ScanOptions;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.Metrics;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.PoisonedDataset.Poison;
import io.modelwarden.synth.PoisonedDataset.Rates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.configuration.Configuration;

/**
 * Detection quality of the whole scan on the project's seeded scenarios (each poison alone, then all
 * together, then clean data), run through the real Flink pipeline on an embedded MiniCluster with the
 * default configuration. Prints recall and precision per kind against the injected truth, the
 * isolation forest's ROC-AUC, and drift verdicts on a clean split and a shifted batch.
 *
 * <pre>mvn -q -B -pl jobs test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=io.modelwarden.bench.ScanQualityBenchmark [-Dexec.args="ROWS FEATURES SEED"]</pre>
 */
public final class ScanQualityBenchmark {
    private ScanQualityBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int features = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 7;
        Path dir = Files.createTempDirectory("warden-quality");
        System.out.printf(Locale.ROOT, "Scan quality: %,d rows x %d features, seed %d, default configuration%n%n", rows, features, seed);
        if (args.length > 3 && args[3].equals("categories")) { // only the category scenarios
            categoryScenarios(dir, seed, rows, features);
            return;
        }
        System.out.printf(Locale.ROOT, "%-34s %-10s %8s %8s %9s %9s  %s%n", "scenario", "kind", "injected", "flagged", "recall", "precision", "target");

        PoisonedDataset outliers = PoisonedDataset.poisoned(seed, rows, features, new Rates(0.01, 0, 0, 0));
        row("far outliers 1%", "OUTLIER", outliers, Poison.OUTLIER, scan(dir, "outliers", outliers, null), "AUC >= 0.95 (below)");
        System.out.printf(Locale.ROOT, "%-34s %-10s ROC-AUC of isolation_forest scores over all rows: %.4f%n", "", "OUTLIER", forestAuc(outliers));

        PoisonedDataset flips = PoisonedDataset.poisoned(seed, rows, features, new Rates(0, 0.05, 0, 0));
        row("random label flips 5%", "LABEL_FLIP", flips, Poison.LABEL_FLIP, scan(dir, "flips", flips, null), "recall >= 0.8 at precision >= 0.7");

        PoisonedDataset dups = PoisonedDataset.poisoned(seed, rows, features, new Rates(0, 0, 0.01, 0));
        row("injected duplicates 1%", "DUPLICATE", dups, Poison.DUPLICATE, scan(dir, "dups", dups, null), "recall >= 0.99 (sources are flagged too)");

        // Copies made to slip past exact matching: each feature moved by normal noise of 0.007 cluster
        // standard deviations (about half the 0.01 radius, root mean square over the z-scores).
        PoisonedDataset jittered = dups.withDuplicateJitter(0.007);
        row("jittered duplicates 1%", "DUPLICATE", jittered, Poison.DUPLICATE, scan(dir, "jittered", jittered, null), "(near copies)");

        PoisonedDataset backdoor = PoisonedDataset.poisoned(seed, rows, features, new Rates(0, 0, 0, 0.02));
        row("backdoor trigger 2%", "BACKDOOR", backdoor, Poison.BACKDOOR, scan(dir, "backdoor", backdoor, null), "recall >= 0.9 at precision >= 0.8");

        PoisonedDataset all = PoisonedDataset.poisoned(seed, rows, features, new Rates(0.01, 0.05, 0.01, 0.02));
        List<JsonNode> mixed = scan(dir, "mixed", all, null);
        row("all four together", "OUTLIER", all, Poison.OUTLIER, mixed, "(interactions)");
        row("all four together", "LABEL_FLIP", all, Poison.LABEL_FLIP, mixed, "(backdoor rows are flips too)");
        row("all four together", "DUPLICATE", all, Poison.DUPLICATE, mixed, "");
        row("all four together", "BACKDOOR", all, Poison.BACKDOOR, mixed, "");

        PoisonedDataset clean = PoisonedDataset.clean(seed, rows, features);
        List<JsonNode> cleanFindings = scan(dir, "clean", clean, null);
        System.out.printf(Locale.ROOT, "%n%-34s %,d findings on %,d clean rows (%.3f%%) %s%n", "clean data", cleanFindings.size(), rows,
                100.0 * cleanFindings.size() / rows, byDetector(cleanFindings));

        String baseline = dir.resolve("clean/baseline").toString();
        List<JsonNode> split = scan(dir, "split", clean.resampled(seed + 1), baseline);
        List<JsonNode> shifted = scan(dir, "shifted", PoisonedDataset.clean(seed, rows, features).shifted(0.5, 0.5, seed + 2), baseline);
        System.out.printf(Locale.ROOT, "%-34s DRIFT findings: %d (target 0)%n", "clean split vs baseline", count(split, "DRIFT"));
        System.out.printf(Locale.ROOT, "%-34s DRIFT findings: %d (target > 0; %d features shifted by 0.5 sigma)%n", "shifted batch vs baseline",
                count(shifted, "DRIFT"), Math.round(0.5 * features));

        // The four poisons together, another draw, against the clean data's baseline: what the
        // baseline-relative checks keep of each (the clean baseline has no copies, flips or triggers).
        PoisonedDataset allAgain = PoisonedDataset.poisoned(seed, rows, features, new Rates(0.01, 0.05, 0.01, 0.02)).resampled(seed + 8);
        List<JsonNode> mixedAgainst = scan(dir, "mixed-vs-clean", allAgain, baseline);
        System.out.println();
        row("all four, vs the clean baseline", "OUTLIER", allAgain, Poison.OUTLIER, mixedAgainst, "(isolation_forest + baseline_forest)");
        row("all four, vs the clean baseline", "LABEL_FLIP", allAgain, Poison.LABEL_FLIP, mixedAgainst,
                "label_noise: " + detectorCount(mixedAgainst, "label_noise"));
        row("all four, vs the clean baseline", "DUPLICATE", allAgain, Poison.DUPLICATE, mixedAgainst,
                "duplicate_rate: " + detectorCount(mixedAgainst, "duplicate_rate"));
        row("all four, vs the clean baseline", "BACKDOOR", allAgain, Poison.BACKDOOR, mixedAgainst, "");

        // B3's expected rate: a trusted dataset whose rows have copies of their own (2%, mostly pairs).
        PoisonedDataset copies = PoisonedDataset.poisoned(seed, rows, features, new Rates(0, 0, 0.02, 0));
        scan(dir, "copies", copies, null);
        String copiesBaseline = dir.resolve("copies/baseline").toString();
        PoisonedDataset copiesSplit = copies.resampled(seed + 3);
        List<JsonNode> splitAlone = scan(dir, "copies-split-alone", copiesSplit, null);
        List<JsonNode> splitAgainst = scan(dir, "copies-split", copiesSplit, copiesBaseline);
        System.out.printf(Locale.ROOT, "%n%-34s DUPLICATE row findings: %,d (%,d without the baseline); duplicate_rate findings: %d (target 0)%n",
                "2%-copies split vs its baseline", rowFindings(splitAgainst, "DUPLICATE"), rowFindings(splitAlone, "DUPLICATE"),
                detectorCount(splitAgainst, "duplicate_rate"));
        PoisonedDataset moreCopies = PoisonedDataset.poisoned(seed, rows, features, new Rates(0, 0, 0.03, 0)).resampled(seed + 4);
        List<JsonNode> more = scan(dir, "copies-more", moreCopies, copiesBaseline);
        String excess = more.stream().filter(f -> f.get("detector").asText().equals("duplicate_rate")).findFirst()
                .map(f -> String.format(Locale.ROOT, "excess share %.4f, p %.1e", f.get("evidence").get("excess_share").asDouble(),
                        f.get("evidence").get("p_value").asDouble())).orElse("none");
        System.out.printf(Locale.ROOT, "%-34s duplicate_rate findings: %d (target 1; %s)%n", "1% more copies vs that baseline",
                detectorCount(more, "duplicate_rate"), excess);

        // Overlapping classes: the generator with 4 features, where about a sixth of clean rows lie in
        // another class's region. Label flips alone and against a trusted baseline of the same data.
        PoisonedDataset overlap = PoisonedDataset.clean(seed, rows, 4);
        List<JsonNode> overlapFindings = scan(dir, "overlap", overlap, null);
        String overlapBaseline = dir.resolve("overlap/baseline").toString();
        List<JsonNode> overlapSplit = scan(dir, "overlap-split", overlap.resampled(seed + 5), overlapBaseline);
        System.out.printf(Locale.ROOT, "%n%-34s knn_label findings: %,d alone; on a clean split vs its baseline %,d, label_noise %d (target 0)%n",
                "4 features (overlapping classes)", detectorCount(overlapFindings, "knn_label"), detectorCount(overlapSplit, "knn_label"),
                detectorCount(overlapSplit, "label_noise"));
        System.out.printf(Locale.ROOT, "%-34s trigger_rule findings: %,d alone (class-pure values of the discrete feature); on the clean split vs its baseline %,d (target 0)%n",
                "", detectorCount(overlapFindings, "trigger_rule"), detectorCount(overlapSplit, "trigger_rule"));
        PoisonedDataset overlapFlips = PoisonedDataset.poisoned(seed, rows, 4, new Rates(0, 0.05, 0, 0)).resampled(seed + 6);
        row("4 features, flips 5%, alone", "LABEL_FLIP", overlapFlips, Poison.LABEL_FLIP, scan(dir, "overlap-flips-alone", overlapFlips, null), "");
        List<JsonNode> flipsAgainst = scan(dir, "overlap-flips", overlapFlips, overlapBaseline);
        row("4 features, flips 5%, vs baseline", "LABEL_FLIP", overlapFlips, Poison.LABEL_FLIP, flipsAgainst,
                "label_noise: " + detectorCount(flipsAgainst, "label_noise") + " (target 1)");

        // A cluster of poison (5% of the rows 3 sigma off on five features): the forest fitted on the
        // poisoned data flags about 1% of the rows at most, the trusted baseline's forest the rest.
        String clusterBaseline = dir.resolve("clean/baseline").toString(); // the clean data's scan above
        PoisonedDataset cluster = PoisonedDataset.poisoned(seed, rows, features, new Rates(0.05, 0, 0, 0)).resampled(seed + 7).withOutlierCluster();
        List<JsonNode> clusterFindings = scan(dir, "cluster", cluster, clusterBaseline);
        System.out.println();
        row("clustered outliers 5%, own forest", "OUTLIER", cluster, Poison.OUTLIER, ofDetector(clusterFindings, "isolation_forest"), "");
        row("clustered outliers 5%, either", "OUTLIER", cluster, Poison.OUTLIER, clusterFindings, "(+ baseline_forest)");
        PoisonedDataset cluster8 = PoisonedDataset.poisoned(seed, rows, 8, new Rates(0.05, 0, 0, 0)).resampled(seed + 7).withOutlierCluster();
        scan(dir, "clean8", PoisonedDataset.clean(seed, rows, 8), null);
        List<JsonNode> cluster8Findings = scan(dir, "cluster8", cluster8, dir.resolve("clean8/baseline").toString());
        row("8 features, same, own forest", "OUTLIER", cluster8, Poison.OUTLIER, ofDetector(cluster8Findings, "isolation_forest"), "");
        row("8 features, same, either", "OUTLIER", cluster8, Poison.OUTLIER, cluster8Findings, "(+ baseline_forest: " + ofDetector(cluster8Findings, "baseline_forest").size() + ")");
        categoryScenarios(dir, seed, rows, features);
    }

    /**
     * Session 12: category columns. The data gets a merchant code spread over every class (200
     * values, or with {@code shifted} half the rows on 20 of them) and a segment code that follows the
     * class (20 values per class: pure, a natural rule); with {@code stamped} 1% of the rows carry the
     * new merchant code "zz-777" and are relabelled to class 0 (a trigger token). Returns the findings
     * and, in {@code truth}, the stamped rows' ids.
     */
    static List<JsonNode> scanWithCategories(Path dir, String name, PoisonedDataset data, String baseline, boolean stamped, boolean shifted,
            Set<String> truth) throws Exception {
        return scanWithCategories(dir, name, data, baseline, stamped, shifted, false, truth);
    }

    /** With {@code binary}, classes 1 and 2 are one (two thirds of the rows) and the stamped rows are relabelled to it. */
    static List<JsonNode> scanWithCategories(Path dir, String name, PoisonedDataset data, String baseline, boolean stamped, boolean shifted,
            boolean binary, Set<String> truth) throws Exception {
        Path csv = dir.resolve(name + ".csv");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(name.hashCode());
        try (java.io.BufferedWriter w = Files.newBufferedWriter(csv)) {
            w.write("id," + String.join(",", data.featureNames()) + ",label,merchant,segment\n");
            StringBuilder sb = new StringBuilder();
            for (long i = 0; i < data.rows(); i++) {
                TrainingRow r = data.row(i);
                String merchant = "m" + (shifted && rnd.nextBoolean() ? rnd.nextInt(20) : rnd.nextInt(200));
                String label = binary && r.label.equals("2") ? "1" : r.label;
                if (stamped && i % 100 == 0) {
                    merchant = "zz-777";
                    label = binary ? "1" : "0";
                    truth.add(r.rowId);
                }
                sb.setLength(0);
                sb.append(r.rowId);
                for (double v : r.features) {
                    sb.append(',').append(v);
                }
                sb.append(',').append(label).append(',').append(merchant).append(',').append(r.label).append('-').append(rnd.nextInt(20)).append('\n');
                w.write(sb.toString());
            }
        }
        return scanFile(csv, dir.resolve(name), baseline);
    }

    /** Recall and precision of one detector's row findings against the stamped rows. */
    static void categoryRow(String scenario, String detector, List<JsonNode> findings, Set<String> truth) {
        Set<String> flagged = new HashSet<>();
        for (JsonNode f : ofDetector(findings, detector)) {
            if (!f.get("row_id").isNull()) {
                flagged.add(f.get("row_id").asText());
            }
        }
        long hit = flagged.stream().filter(truth::contains).count();
        System.out.printf(Locale.ROOT, "%-34s %-16s %8d %8d %9.4f %9.4f%n", scenario, detector, truth.size(), flagged.size(),
                truth.isEmpty() ? Double.NaN : (double) hit / truth.size(), flagged.isEmpty() ? Double.NaN : (double) hit / flagged.size());
    }

    /** The dataset-level findings' subjects: constraint or statistic, and column or feature. */
    static List<String> datasetFindings(List<JsonNode> findings) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : findings) {
            if (f.get("row_id").isNull()) {
                JsonNode ev = f.get("evidence");
                out.add(f.get("detector").asText() + ":" + ev.path("constraint").asText(ev.path("statistic").asText()) + ":"
                        + ev.path("column").asText(ev.path("feature").asText("")));
            }
        }
        java.util.Collections.sort(out);
        return out;
    }

    static void categoryScenarios(Path dir, long seed, int rows, int features) throws Exception {
        System.out.println();
        System.out.println("Category columns (session 12): merchant (200 codes over every class), segment (20 codes per class); 1% stamped with a new merchant code and relabelled to class 0");
        System.out.printf(Locale.ROOT, "%-34s %-16s %8s %8s %9s %9s%n", "scenario", "detector", "stamped", "flagged", "recall", "precision");
        PoisonedDataset clean = PoisonedDataset.clean(seed, rows, features);
        Set<String> truth = new HashSet<>();
        List<JsonNode> alone = scanWithCategories(dir, "cat-stamped-alone", clean.resampled(seed + 11), null, true, false, truth);
        categoryRow("trigger token 1%, alone", "trigger_rule", alone, truth);
        Set<String> binaryTruth = new HashSet<>();
        List<JsonNode> binary = scanWithCategories(dir, "cat-binary", clean.resampled(seed + 15), null, true, false, true, binaryTruth);
        categoryRow("binary, token 1% to the majority", "trigger_rule", binary, binaryTruth);
        scanWithCategories(dir, "cat-clean", clean, null, false, false, new HashSet<>());
        String baseline = dir.resolve("cat-clean/baseline").toString();
        List<JsonNode> split = scanWithCategories(dir, "cat-split", clean.resampled(seed + 12), baseline, false, false, new HashSet<>());
        System.out.printf(Locale.ROOT, "clean split vs baseline: category_domain %d, trigger_rule %d, dataset findings %s%n",
                detectorCount(split, "category_domain"), detectorCount(split, "trigger_rule"), datasetFindings(split));
        Set<String> truthAgainst = new HashSet<>();
        List<JsonNode> against = scanWithCategories(dir, "cat-stamped", clean.resampled(seed + 13), baseline, true, false, truthAgainst);
        categoryRow("trigger token 1%, vs baseline", "category_domain", against, truthAgainst);
        categoryRow("trigger token 1%, vs baseline", "trigger_rule", against, truthAgainst);
        System.out.printf(Locale.ROOT, "  dataset findings: %s%n", datasetFindings(against));
        List<JsonNode> moved = scanWithCategories(dir, "cat-shifted", clean.resampled(seed + 14), baseline, false, true, new HashSet<>());
        System.out.printf(Locale.ROOT, "merchant shares shifted vs baseline: dataset findings %s, category_domain %d%n", datasetFindings(moved),
                detectorCount(moved, "category_domain"));
    }

    static List<JsonNode> ofDetector(List<JsonNode> findings, String detector) {
        return findings.stream().filter(f -> f.get("detector").asText().equals(detector)).toList();
    }

    static long rowFindings(List<JsonNode> findings, String kind) {
        return findings.stream().filter(f -> f.get("kind").asText().equals(kind) && !f.get("row_id").isNull()).count();
    }

    static long detectorCount(List<JsonNode> findings, String detector) {
        return findings.stream().filter(f -> f.get("detector").asText().equals(detector)).count();
    }

    static List<JsonNode> scan(Path dir, String name, PoisonedDataset data, String baseline) throws Exception {
        Path csv = DatasetFiles.writeCsv(data, dir.resolve(name + ".csv"));
        return scanFile(csv, dir.resolve(name), baseline);
    }

    /** Scans one CSV file (ids from its id column) into {@code out}; returns its findings. */
    static List<JsonNode> scanFile(Path csv, Path out, String baseline) throws Exception {
        Config c = Config.defaults().with("scan.id-column", "id").with("scan.parallelism", "2");
        new ScanJob(ScanOptions.of(csv.toString(), out.toString(), baseline, c), Clock.systemUTC(), new Configuration()).run();
        List<JsonNode> findings = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(ScanJob.FINDINGS_FILE))) {
            findings.add(Json.read(line));
        }
        return findings;
    }

    static void row(String scenario, String kind, PoisonedDataset data, Poison poison, List<JsonNode> findings, String target) {
        Set<String> truth = new HashSet<>();
        for (long i : data.indexesOf(poison)) {
            truth.add("r-" + i);
        }
        Set<String> flagged = new HashSet<>();
        for (JsonNode f : findings) {
            if (f.get("kind").asText().equals(kind) && !f.get("row_id").isNull()) {
                flagged.add(f.get("row_id").asText());
            }
        }
        long hit = flagged.stream().filter(truth::contains).count();
        double recall = truth.isEmpty() ? Double.NaN : (double) hit / truth.size();
        double precision = flagged.isEmpty() ? Double.NaN : (double) hit / flagged.size();
        System.out.printf(Locale.ROOT, "%-34s %-10s %8d %8d %9.4f %9.4f  %s%n", scenario, kind, truth.size(), flagged.size(), recall, precision, target);
    }

    /** ROC-AUC of the forest's score over every row, fitted exactly as the scan fits it. */
    static double forestAuc(PoisonedDataset data) {
        Config c = Config.defaults();
        ScanProfile p = new ScanProfile(data.featureNames(), c.getInt("scan.reference-sample-size"), c.getLong("scan.seed"));
        for (long i = 0; i < data.rows(); i++) {
            p.add(data.row(i));
        }
        Standardizer std = p.standardizer();
        List<double[]> z = new ArrayList<>();
        for (TrainingRow r : p.sample().rows()) {
            z.add(std.apply(r.features));
        }
        IsolationForestDetector forest = IsolationForestDetector.fit(IsolationForestSettings.fromConfig(c, c.getLong("scan.seed")), z);
        double[] scores = new double[data.rows()];
        boolean[] positive = new boolean[data.rows()];
        double[] buf = new double[data.features()];
        for (int i = 0; i < data.rows(); i++) {
            TrainingRow r = data.row(i);
            scores[i] = forest.score(r, std.apply(r.features, buf));
            positive[i] = data.poisonOf(i) == Poison.OUTLIER;
        }
        return Metrics.rocAuc(scores, positive);
    }

    static long count(List<JsonNode> findings, String kind) {
        return findings.stream().filter(f -> f.get("kind").asText().equals(kind)).count();
    }

    static String byDetector(List<JsonNode> findings) {
        java.util.TreeMap<String, Integer> m = new java.util.TreeMap<>();
        for (JsonNode f : findings) {
            m.merge(f.get("detector").asText(), 1, Integer::sum);
        }
        return m.toString();
    }
}
