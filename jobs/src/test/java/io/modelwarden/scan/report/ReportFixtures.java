package io.modelwarden.scan.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Threat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Summaries and findings shaped like the scan job's output, for report tests and the sample page. */
final class ReportFixtures {
    static final String SCAN_ID = "scan-7f3a9c21e4b05d18";
    static final String EVIL_COLUMN = "<script>alert(1)</script>";
    static final String[] DETECTORS = {"isolation_forest", "label_flip_knn", "duplicate_hash", "backdoor_trigger"};
    static final FindingKind[] KINDS = {FindingKind.OUTLIER, FindingKind.LABEL_FLIP, FindingKind.DUPLICATE, FindingKind.BACKDOOR};

    private ReportFixtures() {}

    /** A 20,000-row scan with 30 features (one with a hostile name), a baseline and 4 detectors. */
    static ObjectNode realisticSummary() {
        return summary(30, 3, 40, true);
    }

    /**
     * @param features numeric feature columns (the last one is named {@link #EVIL_COLUMN})
     * @param classes label classes
     * @param maxFindingsPerDetector flagged rows per detector (0 means a clean scan)
     * @param baseline whether drift against a baseline was measured
     */
    static ObjectNode summary(int features, int classes, int maxFindingsPerDetector, boolean baseline) {
        SplittableRandom rnd = new SplittableRandom(42);
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("scan_id", SCAN_ID);
        s.put("started_at", "2026-11-28T22:00:03.120Z");
        s.put("finished_at", "2026-11-28T22:01:17.480Z");
        ObjectNode input = s.putObject("input");
        input.put("path", "s3://ml-data/fraud/train/2026-11-28/");
        input.put("format", "parquet");
        ArrayNode files = input.putArray("files");
        for (int i = 0; i < 3; i++) {
            ObjectNode f = files.addObject();
            f.put("path", "s3://ml-data/fraud/train/2026-11-28/part-0000" + i + ".parquet");
            f.put("sha256", String.format("%064x", new java.math.BigInteger(250, new java.util.Random(i))));
            f.put("bytes", 41_873_112L + i * 1_337);
        }
        long rows = 20_000;
        ObjectNode fp = s.putObject("fingerprint");
        fp.put("sha256", "9c1185a5c5e9fc54612808977ee8f548b2258d31b3c5f0b8d1ef6f2b2a5f0c41");
        fp.put("rows", rows);
        fp.put("columns", features + 2);
        ArrayNode schema = fp.putArray("schema");
        schema.addObject().put("name", "txn_id").put("type", "STRING").put("role", "id");
        for (int i = 0; i < features; i++) {
            schema.addObject().put("name", featureName(i, features)).put("type", "NUMERIC").put("role", "feature");
        }
        schema.addObject().put("name", "is_fraud").put("type", "STRING").put("role", "label");

        ObjectNode r = s.putObject("rows");
        r.put("read", rows + 3);
        r.put("rejected", 3);
        r.putObject("rejected_by_reason").put("unparsable number", 2).put("wrong column count", 1);

        Map<String, Long> byKind = new LinkedHashMap<>();
        Map<String, Long> byDetector = new LinkedHashMap<>();
        ObjectNode detectors = Json.MAPPER.createObjectNode();
        long total = 0;
        for (int d = 0; d < DETECTORS.length; d++) {
            long flagged = maxFindingsPerDetector == 0 ? 0 : maxFindingsPerDetector / (d + 1);
            double threshold = new double[] {0.61, 0.8, 0.99, 0.7}[d];
            ObjectNode det = detectors.putObject(DETECTORS[d]);
            det.put("kind", KINDS[d].name());
            det.put("enabled", true);
            det.put("threshold", threshold);
            det.put("flagged", flagged);
            ObjectNode p = det.putObject("parameters");
            switch (d) {
                case 0 -> p.put("trees", 100).put("sample_size", 256).put("seed", 7);
                case 1 -> p.put("k", 15).put("min_agreement", 0.8);
                case 2 -> {
                    p.put("hash", "murmur3_128").put("ignore_columns", "txn_id");
                    ObjectNode rate = det.putObject("rate").put("extra_copies", 412).put("share", 0.0206).put("min_flagged_copies", baseline ? 3 : 2);
                    if (baseline) {
                        rate.put("baseline_share", 0.0198);
                    } else {
                        rate.putNull("baseline_share");
                    }
                }
                default -> p.put("max_values_per_feature", 64).put("min_support", 25).putArray("features").add("f3").add("f7");
            }
            ObjectNode hist = det.putObject("score_histogram");
            hist.put("bins", 20);
            ArrayNode counts = hist.putArray("counts");
            // Clean rows in a bump around 0.2-0.35, flagged rows spread over the bins above the threshold.
            int firstFlagged = (int) Math.ceil(threshold * 20 - 1e-9);
            int flaggedBins = Math.max(1, 20 - firstFlagged);
            long left = rows - flagged;
            for (int b = 0; b < 20; b++) {
                double x = (b + 0.5) / 20;
                long c;
                if (b >= firstFlagged) {
                    c = flagged / flaggedBins + (b == 19 ? flagged % flaggedBins : 0);
                } else {
                    c = Math.min(left, Math.round(rows * 0.2 * Math.exp(-Math.pow((x - 0.2 - 0.05 * d) / 0.12, 2))));
                    left -= c;
                }
                counts.add(c);
            }
            total += flagged;
            byKind.merge(KINDS[d].name(), flagged, Long::sum);
            byDetector.put(DETECTORS[d], flagged);
        }
        ObjectNode disabled = detectors.putObject("spectral_signature");
        disabled.put("kind", "BACKDOOR").put("enabled", false).put("flagged", 0);
        disabled.putObject("parameters").put("top_k", 1);
        byDetector.put("spectral_signature", 0L);
        if (baseline) {
            total += 2;
            byKind.merge("DRIFT", 2L, Long::sum);
            byDetector.put("feature_drift", 2L);
        }

        ObjectNode findings = s.putObject("findings");
        findings.put("total", total);
        ObjectNode k = findings.putObject("by_kind");
        byKind.forEach((key, v) -> { if (v > 0) { k.put(key, v); } });
        ObjectNode dd = findings.putObject("by_detector");
        byDetector.forEach((key, v) -> { if (v > 0) { dd.put(key, v); } });
        ObjectNode pr = findings.putObject("by_priority");
        if (total > 0) {
            pr.put("CRITICAL", total / 10).put("HIGH", total / 3).put("MEDIUM", total - total / 10 - total / 3 - total / 8)
                    .put("LOW", total / 8);
        }
        s.set("detectors", detectors);

        ObjectNode drift = s.putObject("drift");
        if (baseline) {
            drift.put("baseline", "/var/lib/warden/baselines/fraud-2026-10-31/");
            ArrayNode fs = drift.putArray("features");
            int drifted = 0;
            for (int i = 0; i < features; i++) {
                ObjectNode f = fs.addObject();
                boolean isDrifted = i == 3 || i == 7 || i == features - 1;
                double psi = isDrifted ? 0.25 + rnd.nextDouble() * 0.6 : rnd.nextDouble() * 0.12;
                f.put("feature", featureName(i, features));
                f.put("psi", psi);
                f.put("wasserstein", psi * 0.7 + rnd.nextDouble() * 0.01);
                if (i % 5 == 0) {
                    f.putNull("ks_statistic");
                    f.putNull("ks_p");
                } else {
                    f.put("ks_statistic", psi / 3);
                    f.put("ks_p", isDrifted ? 1e-9 : 0.2 + rnd.nextDouble() * 0.7);
                }
                f.put("drifted", isDrifted);
                f.put("reason", isDrifted ? "psi " + String.format("%.3f", psi) + " >= 0.25" : "within thresholds");
                drifted += isDrifted ? 1 : 0;
            }
            drift.putObject("label").put("js_distance", 0.043).put("drifted", false);
            ArrayNode cd = drift.putArray("categories");
            cd.addObject().put("column", "merchant_country").put("js_distance", 0.31).put("chi_square_p", 0.0).put("drifted", true)
                    .put("reason", "js=0.3100 (debiased) > 0.1");
            cd.addObject().put("column", "device_note").putNull("js_distance").putNull("chi_square_p").put("drifted", false)
                    .put("reason", "no verdict: free text (more than 1000 distinct values, or values over 256 characters)");
            drift.put("share_drifted", (double) drifted / features);
            drift.put("dataset_drifted", true);
        } else {
            drift.putNull("baseline");
        }

        ObjectNode labels = s.putObject("labels");
        for (int c = 0; c < classes; c++) {
            labels.put(c == 0 ? "legit" : c == 1 ? "fraud" : "class_" + c, Math.round(rows * Math.pow(0.5, c + 1)) + 17);
        }

        ArrayNode categories = s.putArray("categories");
        ObjectNode country = categories.addObject().put("name", "merchant_country").put("rows", rows - 40).put("missing", 40).put("free_text", false).put("identifying", false)
                .put("distinct", 37);
        country.putObject("top").put("US", rows / 2).put("DE", rows / 5).put("<script>", 3);
        categories.addObject().put("name", "device_note").put("rows", rows).put("missing", 0).put("free_text", true).put("identifying", true).putNull("distinct")
                .putObject("top");

        ArrayNode fstats = s.putArray("features");
        for (int i = 0; i < features; i++) {
            double mean = rnd.nextDouble() * 200 - 50;
            double std = 0.5 + rnd.nextDouble() * 40;
            double skew = rnd.nextDouble();
            ObjectNode f = fstats.addObject().put("name", featureName(i, features)).put("mean", mean).put("std", std)
                    .put("min", mean - 4 * std).put("max", mean + (4 + 6 * skew) * std)
                    .put("p01", mean - 2.3 * std).put("p50", mean - 0.1 * std + skew * std * 0.3)
                    .put("p99", mean + (2.3 + 2 * skew) * std);
            if (i == 1) {
                f.put("identifier_like", true); // a row number taken for a feature
            }
        }
        ObjectNode th = s.putObject("thresholds");
        th.put("drift.psi", 0.25).put("drift.ks-p", 0.01).put("drift.share", 0.1);
        s.putObject("timings_ms").put("read", 9_400).put("profile", 21_200).put("score", 38_900).put("write", 4_860)
                .put("total", 74_360);
        return s;
    }

    static String featureName(int i, int features) {
        if (i == features - 1) {
            return EVIL_COLUMN;
        }
        String[] named = {"amount", "merchant_risk", "hour_of_day", "card_age_days", "velocity_1h", "geo_distance_km",
            "device_score", "mcc_code"};
        return i < named.length ? named[i] : "f" + i;
    }

    /** Top findings as findings.jsonl lines, rendered by the real codec. */
    static List<JsonNode> findings(int n) {
        List<JsonNode> out = new ArrayList<>();
        Priority[] priorities = {Priority.CRITICAL, Priority.HIGH, Priority.HIGH, Priority.MEDIUM, Priority.LOW};
        for (int i = 0; i < n; i++) {
            int d = i % DETECTORS.length;
            Finding f = new Finding();
            f.findingId = String.format("%032x", 0xabcdef12345L * (i + 1));
            f.scanId = SCAN_ID;
            f.rowId = "txn-" + (100_000 + i * 37);
            f.rowIndex = 1_000 + i * 37L;
            f.detector = DETECTORS[d];
            f.kind = KINDS[d];
            f.threat = Threat.DATA_POISONING;
            f.stride = f.threat.stride();
            f.score = 0.99 - i * 0.004;
            f.riskScore = 10 - Math.min(9, i / 4);
            f.priority = priorities[Math.min(priorities.length - 1, i / 4)];
            f.evidenceJson = switch (d) {
                case 0 -> "{\"threshold\":0.61,\"path_length\":3.12,\"top_features\":{\"amount\":4.7,\"velocity_1h\":3.9}}";
                case 1 -> "{\"label\":\"legit\",\"neighbour_label\":\"fraud\",\"agreement\":0.93,\"k\":15}";
                case 2 -> "{\"duplicate_of_row\":" + (17 + i) + ",\"copies\":4,\"hash\":\"a1b2c3d4e5f6\"}";
                default -> "{\"trigger_feature\":\"" + EVIL_COLUMN.replace("\"", "\\\"")
                        + "\",\"trigger_value\":13.37,\"target_label\":\"legit\",\"support\":212,\"lift\":8.4,\"note\":null}";
            };
            out.add(Json.parseObject(Json.finding(f)));
        }
        Finding ds = new Finding();
        ds.findingId = "d5e1";
        ds.scanId = SCAN_ID;
        ds.detector = "feature_drift";
        ds.kind = FindingKind.DRIFT;
        ds.threat = Threat.DATA_POISONING;
        ds.stride = ds.threat.stride();
        ds.score = 0.87;
        ds.riskScore = 6;
        ds.priority = Priority.MEDIUM;
        ds.evidenceJson = "{\"feature\":\"card_age_days\",\"psi\":0.412,\"baseline_p50\":311,\"p50\":12.5}";
        out.add(Math.min(2, out.size()), Json.parseObject(Json.finding(ds)));
        return out;
    }
}
