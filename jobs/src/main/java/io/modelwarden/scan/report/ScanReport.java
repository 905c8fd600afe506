package io.modelwarden.scan.report;

import static io.modelwarden.scan.report.Html.MISSING;
import static io.modelwarden.scan.report.Html.clip;
import static io.modelwarden.scan.report.Html.count;
import static io.modelwarden.scan.report.Html.esc;
import static io.modelwarden.scan.report.Html.num;
import static io.modelwarden.scan.report.Html.present;
import static io.modelwarden.scan.report.Html.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.modelwarden.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@code report.html}: one self-contained page (inline CSS, inline SVG charts, no JavaScript,
 * no fonts, images or links outside the page) built from {@code summary.json} and the top findings
 * of a scan, for a security or ML-platform engineer who would rather not read the JSON.
 *
 * <p>Every section tolerates its part of the summary being absent and says so instead of failing.
 * Every string from the data (paths, column names, labels, evidence) is HTML-escaped: column names and
 * evidence come from user files. Long lists (features, labels, rejection reasons, findings) are capped
 * so that the page stays small (well under 300 KB) for wide datasets; the cap is stated on the page.
 */
public final class ScanReport {
    /** Features shown in the drift and feature tables; the rest is counted, not listed. */
    static final int MAX_FEATURES = 150;
    /** Label classes drawn in the label chart; the rest is summed into one "other" bar. */
    static final int MAX_LABELS = 30;
    /** Rejection reasons listed. */
    static final int MAX_REASONS = 20;
    /** Defensive cap on findings rendered; the caller normally passes fewer. */
    static final int MAX_FINDINGS = 200;
    /** Longest evidence value (compact JSON or text) shown before it is cut. */
    static final int MAX_EVIDENCE_CHARS = 240;

    private static final String[] PRIORITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};
    private static final Map<String, String> KIND_COLORS = Map.of(
            "OUTLIER", "#7c3aed",
            "LABEL_FLIP", "#db2777",
            "DUPLICATE", "#0891b2",
            "BACKDOOR", "#b91c1c",
            "SCHEMA", "#475569",
            "DRIFT", "#d97706");
    private static final String[] PALETTE = {"#2563eb", "#0d9488", "#9333ea", "#ea580c", "#0891b2", "#65a30d"};
    private static final String DETECTOR_COLOR = "#334155";
    private static final String LABEL_COLOR = "#0d9488";
    /** PSI bands of common practice: < 0.1 stable, 0.1-0.25 moderate shift, >= 0.25 significant. */
    private static final double PSI_MODERATE = 0.1;
    private static final double PSI_SIGNIFICANT = 0.25;
    private static final String CLOSE_TD = "</td>";
    /** Marks a feature that looks like a row id (summary.json's features[].identifier_like). */
    private static final String LOOKS_LIKE_AN_ID = "<br><span class=\"muted\">looks like a row id: name it with --id-column or --ignore-columns</span>";
    /** Marks a category column left out of the copy key (summary.json's categories[].identifying). */
    private static final String IDENTIFIES_ROWS = "<br><span class=\"muted\">identifies rows</span>";
    private static final String CLOSE_SECTION = "</section>\n";

    private ScanReport() {}

    /** Writes the page as UTF-8, replacing the file. */
    public static void write(Path file, JsonNode summary, List<JsonNode> topFindings) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, render(summary, topFindings), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + file, e);
        }
    }

    /**
     * The page for one scan. {@code summary} is the parsed summary.json (null or partial is fine);
     * {@code topFindings} are findings.jsonl lines, already ordered and capped by the caller.
     */
    public static String render(JsonNode summary, List<JsonNode> topFindings) {
        JsonNode s = summary == null ? MissingNode.getInstance() : summary;
        List<JsonNode> findings = topFindings == null ? List.of() : topFindings;
        StringBuilder h = new StringBuilder(64 * 1024);
        String scanId = text(s.path("scan_id"));

        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Model Warden scan ").append(esc(scanId == null ? "" : clip(scanId, 16)))
                .append("</title>\n<style>").append(Style.CSS).append("</style>\n</head>\n<body>\n");

        header(h, s, scanId);
        nav(h);
        h.append("<main>\n");
        verdict(h, s);
        input(h, s);
        findingsOverview(h, s.path("findings"));
        detectors(h, s.path("detectors"), count(s.path("fingerprint").path("rows")));
        drift(h, s.path("drift"));
        labels(h, s.path("labels"), s.path("drift").path("label"));
        features(h, s.path("features"), s.path("fingerprint").path("schema"));
        categories(h, s.path("categories"), s.path("drift").path("categories"));
        topFindings(h, findings, count(s.path("findings").path("total")));
        run(h, s);
        h.append("</main>\n<footer>Generated by Model Warden from summary.json and findings.jsonl")
                .append(scanId == null ? "" : " of scan <code>" + esc(scanId) + "</code>")
                .append(". Self-contained: no scripts, no external resources.</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    // ---------------------------------------------------------------- header, nav, verdict

    private static void header(StringBuilder h, JsonNode s, String scanId) {
        JsonNode fp = s.path("fingerprint");
        JsonNode in = s.path("input");
        h.append("<header>\n<div class=\"wrap\">\n<div class=\"brand\">Model Warden <span>data poisoning scan</span></div>\n")
                .append("<h1>Scan <code>").append(scanId == null ? MISSING : esc(scanId)).append("</code></h1>\n")
                .append("<dl class=\"facts\">\n");
        String path = text(in.path("path"));
        String format = text(in.path("format"));
        fact(h, "wide", "Input", path == null ? MISSING : "<code>" + esc(path) + "</code>"
                + (format == null ? "" : " <span class=\"tag\">" + esc(format) + "</span>"));
        String sha = text(fp.path("sha256"));
        fact(h, "wide", "Dataset sha256", sha == null ? MISSING : "<code class=\"hash\">" + esc(sha) + "</code>");
        fact(h, null, "Rows \u00d7 columns", Html.integer(fp.path("rows")) + " \u00d7 " + Html.integer(fp.path("columns"))
                + schemaRoles(fp.path("schema")));
        String started = text(s.path("started_at"));
        String finished = text(s.path("finished_at"));
        fact(h, null, "Started", started == null ? MISSING : esc(Html.time(started)));
        fact(h, null, "Finished", finished == null ? MISSING : esc(Html.time(finished)));
        String duration = duration(s, started, finished);
        fact(h, null, "Duration", duration == null ? MISSING : esc(duration));
        h.append("</dl>\n</div>\n</header>\n");
    }

    private static String schemaRoles(JsonNode schema) {
        if (!schema.isArray() || schema.isEmpty()) {
            return "";
        }
        Map<String, Integer> roles = new LinkedHashMap<>();
        for (JsonNode c : schema) {
            String role = text(c.path("role"));
            roles.merge(role == null ? "unknown" : role, 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder(" <span class=\"muted\">(");
        boolean first = true;
        for (Map.Entry<String, Integer> e : roles.entrySet()) {
            // "30 features, 1 label, 1 id"; other roles ("ignored") read fine without a plural.
            boolean plural = e.getValue() > 1 && List.of("feature", "label", "id").contains(e.getKey());
            b.append(first ? "" : ", ").append(e.getValue()).append(' ').append(esc(e.getKey())).append(plural ? "s" : "");
            first = false;
        }
        return b.append(")</span>").toString();
    }

    private static String duration(JsonNode s, String started, String finished) {
        OffsetDateTime a = Html.parseTime(started);
        OffsetDateTime b = Html.parseTime(finished);
        if (a != null && b != null && !b.isBefore(a)) {
            return Html.duration(Duration.between(a, b).toMillis());
        }
        Double total = num(s.path("timings_ms").path("total"));
        return total == null ? null : Html.duration(Math.round(total));
    }

    private static void fact(StringBuilder h, String cls, String term, String html) {
        h.append(cls == null ? "<div>" : "<div class=\"" + cls + "\">").append("<dt>").append(term).append("</dt><dd>").append(html).append("</dd></div>\n");
    }

    private static void nav(StringBuilder h) {
        h.append("<nav><div class=\"wrap\">");
        String[][] links = {
            {"verdict", "Verdict"}, {"input", "Input"}, {"findings", "Findings"}, {"detectors", "Detectors"},
            {"drift", "Drift"}, {"labels", "Labels"}, {"features", "Features"}, {"categories", "Categories"}, {"top-findings", "Top findings"},
            {"run", "Run"}
        };
        for (String[] l : links) {
            h.append("<a href=\"#").append(l[0]).append("\">").append(l[1]).append("</a>");
        }
        h.append("</div></nav>\n");
    }

    private static void verdict(StringBuilder h, JsonNode s) {
        JsonNode f = s.path("findings");
        h.append("<section id=\"verdict\" class=\"verdict ");
        if (!present(f)) {
            h.append("v-unknown\"><div class=\"v-title\">Findings not available</div>")
                    .append("<p>summary.json has no findings section; the scan may not have finished.</p>");
            verdictNotes(h, s);
            h.append(CLOSE_SECTION);
            return;
        }
        long total = count(f.path("total"));
        JsonNode byPriority = f.path("by_priority");
        String highest = null;
        for (String p : PRIORITIES) {
            if (count(byPriority.path(p)) > 0) {
                highest = p;
                break;
            }
        }
        if (total == 0) {
            h.append("v-clean\"><div class=\"v-title\">No findings</div>")
                    .append("<p>No detector flagged a row or a property of the dataset at the configured thresholds.</p>");
            verdictNotes(h, s);
            h.append(CLOSE_SECTION);
            return;
        }
        h.append("v-").append(highest == null ? "unknown" : highest.toLowerCase(Locale.ROOT)).append("\">")
                .append("<div class=\"v-title\">").append(Html.integer(total))
                .append(total == 1 ? " finding" : " findings");
        if (highest != null) {
            h.append(" \u00b7 highest priority ").append(highest);
        }
        h.append("</div>\n<div class=\"chips\">");
        for (String p : PRIORITIES) {
            long c = count(byPriority.path(p));
            h.append("<span class=\"chip").append(c == 0 ? " zero" : "").append("\"><span class=\"badge p-")
                    .append(p.toLowerCase(Locale.ROOT)).append("\">").append(p).append("</span> ")
                    .append(Html.integer(c)).append("</span>");
        }
        // Priorities outside the known four, if a newer policy writes them.
        for (Map.Entry<String, JsonNode> e : byPriority.properties()) {
            if (!List.of(PRIORITIES).contains(e.getKey())) {
                h.append("<span class=\"chip\"><span class=\"badge p-unknown\">").append(esc(e.getKey()))
                        .append("</span> ").append(Html.integer(e.getValue())).append("</span>");
            }
        }
        h.append("</div>\n");
        verdictNotes(h, s);
        h.append(CLOSE_SECTION);
    }

    private static void verdictNotes(StringBuilder h, JsonNode s) {
        List<String> notes = new ArrayList<>();
        JsonNode drift = s.path("drift");
        if (!present(drift) || !present(drift.path("baseline"))) {
            notes.add("Drift: no baseline given");
        } else {
            boolean drifted = drift.path("dataset_drifted").asBoolean(false);
            Double share = num(drift.path("share_drifted"));
            notes.add("Drift: " + (drifted ? "<strong>dataset drifted</strong>" : "no dataset drift")
                    + (share == null ? "" : " (" + Html.percent(share) + " of features drifted)"));
        }
        String against = againstBaseline(s.path("detectors"));
        if (against != null) {
            notes.add(against);
        }
        JsonNode rows = s.path("rows");
        if (present(rows)) {
            long read = count(rows.path("read"));
            long rejected = count(rows.path("rejected"));
            notes.add("Rows: " + Html.integer(read) + " read, " + Html.integer(rejected) + " rejected"
                    + (read > 0 && rejected > 0 ? " (" + Html.percent((double) rejected / read) + ")" : ""));
        }
        if (notes.isEmpty()) {
            return;
        }
        h.append("<ul class=\"v-notes\">");
        for (String n : notes) {
            h.append("<li>").append(n).append("</li>");
        }
        h.append("</ul>\n");
    }

    /**
     * What the detectors judged against the baseline, in one line (null without a baseline): the share
     * of extra copies against the baseline's, the estimated label flips against the baseline's own
     * class overlap, the trigger rules the baseline already had, the rows only the baseline's forest
     * finds, and the rows with a category value it never had.
     */
    private static String againstBaseline(JsonNode detectors) {
        List<String> parts = new ArrayList<>();
        JsonNode rate = detectors.path("duplicate_hash").path("rate");
        Double baselineShare = num(rate.path("baseline_share"));
        Double share = num(rate.path("share"));
        if (baselineShare != null && share != null) {
            parts.add(Html.percent(share) + " of rows are extra copies (baseline " + Html.percent(baselineShare) + ")");
        }
        JsonNode knn = detectors.path("knn_label").path("parameters");
        Double estimated = sum(knn.path("estimated_flips_in_sample"));
        Double expected = sum(knn.path("baseline_expected_flips_in_sample"));
        Double sample = num(knn.path("sample_size"));
        if (estimated != null && expected != null && sample != null && sample > 0) {
            parts.add("label flips estimated in " + Html.percent(estimated / sample) + " of the sample (baseline "
                    + Html.percent(expected / sample) + ")");
        }
        JsonNode known = detectors.path("trigger_rule").path("parameters").path("known_triggers");
        if (known.isArray() && !known.isEmpty()) {
            parts.add(Html.integer(known.size()) + (known.size() == 1 ? " trigger rule" : " trigger rules") + " the baseline already had, not flagged");
        }
        JsonNode forest = detectors.path("baseline_forest");
        if (present(forest.path("flagged"))) {
            parts.add(Html.integer(forest.path("flagged")) + " rows only the baseline's forest finds unusual");
        }
        JsonNode domain = detectors.path("category_domain");
        if (present(domain.path("flagged"))) {
            parts.add(Html.integer(domain.path("flagged")) + " rows with a rare category value the baseline never had");
        }
        return parts.isEmpty() ? null : "Against the baseline: " + String.join("; ", parts);
    }

    /** The sum of an object's numeric values, or null when it has none. */
    private static Double sum(JsonNode values) {
        if (!values.isObject() || values.isEmpty()) {
            return null;
        }
        double total = 0;
        for (Map.Entry<String, JsonNode> e : values.properties()) {
            Double v = num(e.getValue());
            total += v == null ? 0 : v;
        }
        return total;
    }

    // ---------------------------------------------------------------- input

    private static void input(StringBuilder h, JsonNode s) {
        JsonNode rows = s.path("rows");
        JsonNode files = s.path("input").path("files");
        h.append("<section id=\"input\"><h2>Input</h2>\n");
        if (!present(rows)) {
            empty(h, "Row counts not available.");
        } else {
            long read = count(rows.path("read"));
            long rejected = count(rows.path("rejected"));
            h.append("<div class=\"stats\">");
            stat(h, "Rows read", Html.integer(rows.path("read")), null);
            stat(h, "Rows accepted", present(rows.path("read")) ? Html.integer(Math.max(0, read - rejected)) : MISSING, null);
            stat(h, "Rows rejected", Html.integer(rows.path("rejected")),
                    read > 0 ? Html.percent((double) rejected / read) + " of read" : null);
            h.append("</div>\n");
            JsonNode reasons = rows.path("rejected_by_reason");
            if (reasons.isObject() && !reasons.isEmpty()) {
                List<Map.Entry<String, Long>> list = sortedCounts(reasons);
                h.append("<h3>Rejected rows by reason</h3>\n<table class=\"compact\"><thead><tr><th>Reason</th>")
                        .append("<th class=\"num\">Rows</th><th class=\"num\">Share of rejected</th></tr></thead><tbody>\n");
                for (int i = 0; i < Math.min(MAX_REASONS, list.size()); i++) {
                    Map.Entry<String, Long> e = list.get(i);
                    h.append("<tr><td>").append(esc(clip(e.getKey(), 200))).append("</td><td class=\"num\">")
                            .append(Html.integer(e.getValue())).append("</td><td class=\"num\">")
                            .append(rejected > 0 ? Html.percent((double) e.getValue() / rejected) : MISSING)
                            .append("</td></tr>\n");
                }
                h.append("</tbody></table>\n");
                more(h, list.size() - MAX_REASONS, "more reasons");
            } else if (rejected > 0) {
                empty(h, "No breakdown of rejected rows by reason.");
            }
        }
        if (files.isArray() && !files.isEmpty()) {
            h.append("<details><summary>").append(files.size()).append(files.size() == 1 ? " input file" : " input files")
                    .append("</summary>\n<table class=\"compact\"><thead><tr><th>File</th><th>sha256</th>")
                    .append("<th class=\"num\">Size</th></tr></thead><tbody>\n");
            int shown = 0;
            for (JsonNode f : files) {
                if (shown++ == MAX_FEATURES) {
                    break;
                }
                Double b = num(f.path("bytes"));
                h.append("<tr><td><code>").append(esc(text(f.path("path")))).append("</code></td><td><code class=\"hash\">")
                        .append(esc(text(f.path("sha256")))).append("</code></td><td class=\"num\">")
                        .append(b == null ? MISSING : Html.bytes(Math.round(b))).append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
            more(h, files.size() - MAX_FEATURES, "more files");
            h.append("</details>\n");
        }
        h.append(CLOSE_SECTION);
    }

    // ---------------------------------------------------------------- findings overview

    private static void findingsOverview(StringBuilder h, JsonNode f) {
        h.append("<section id=\"findings\"><h2>Findings by kind and detector</h2>\n");
        if (!present(f)) {
            empty(h, "No findings section in summary.json.");
            h.append(CLOSE_SECTION);
            return;
        }
        if (count(f.path("total")) == 0) {
            empty(h, "No findings.");
            h.append(CLOSE_SECTION);
            return;
        }
        h.append("<div class=\"grid2\">\n<div class=\"card\"><h3>By kind</h3>");
        List<Charts.Bar> kinds = new ArrayList<>();
        for (Map.Entry<String, Long> e : sortedCounts(f.path("by_kind"))) {
            kinds.add(new Charts.Bar(e.getKey(), e.getValue(), kindColor(e.getKey()), null));
        }
        h.append(kinds.isEmpty() ? "<p class=\"empty\">No breakdown.</p>" : Charts.horizontalBars("Findings by kind", kinds));
        h.append("</div>\n<div class=\"card\"><h3>By detector</h3>");
        List<Charts.Bar> detectors = new ArrayList<>();
        for (Map.Entry<String, Long> e : sortedCounts(f.path("by_detector"))) {
            detectors.add(new Charts.Bar(e.getKey(), e.getValue(), DETECTOR_COLOR, null));
        }
        h.append(detectors.isEmpty() ? "<p class=\"empty\">No breakdown.</p>"
                : Charts.horizontalBars("Findings by detector", detectors));
        h.append("</div>\n</div>\n").append(CLOSE_SECTION);
    }

    // ---------------------------------------------------------------- detectors

    private static void detectors(StringBuilder h, JsonNode detectors, long rows) {
        h.append("<section id=\"detectors\"><h2>Detectors</h2>\n");
        if (!detectors.isObject() || detectors.isEmpty()) {
            empty(h, "No detector details in summary.json.");
            h.append(CLOSE_SECTION);
            return;
        }
        h.append("<p class=\"hint\">Score histograms use a logarithmic row axis; bins at or above the threshold "
                + "are red, the dashed line marks the threshold.</p>\n<div class=\"grid2\">\n");
        for (Map.Entry<String, JsonNode> e : detectors.properties()) {
            detector(h, e.getKey(), e.getValue(), rows);
        }
        h.append("</div>\n").append(CLOSE_SECTION);
    }

    private static void detector(StringBuilder h, String id, JsonNode d, long rows) {
        boolean enabled = d.path("enabled").asBoolean(true);
        String kind = text(d.path("kind"));
        h.append("<div class=\"card detector").append(enabled ? "" : " disabled").append("\" id=\"detector-")
                .append(Html.slug(id)).append("\">\n<div class=\"card-head\"><h3><code>").append(esc(id))
                .append("</code></h3>");
        if (kind != null) {
            h.append(kindBadge(kind));
        }
        if (!enabled) {
            h.append("<span class=\"badge off\">disabled</span>");
        }
        h.append("</div>\n<div class=\"stats small\">");
        Double threshold = num(d.path("threshold"));
        long flagged = count(d.path("flagged"));
        stat(h, "Threshold", Html.number(threshold), null);
        stat(h, "Flagged", Html.integer(d.path("flagged")),
                enabled && rows > 0 && present(d.path("flagged")) ? Html.percent((double) flagged / rows) + " of rows" : null);
        h.append("</div>\n");
        JsonNode hist = d.path("score_histogram");
        JsonNode counts = hist.path("counts");
        if (counts.isArray() && !counts.isEmpty()) {
            long[] c = new long[counts.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = count(counts.get(i));
            }
            Double lo = num(hist.path("min"));
            Double hi = num(hist.path("max"));
            h.append(Charts.histogram("Score histogram of " + id, c, lo == null ? 0 : lo, hi == null ? 1 : hi, threshold));
        } else {
            empty(h, enabled ? "No score histogram." : "Detector disabled: nothing scored.");
        }
        JsonNode params = d.path("parameters");
        if (params.isObject() && !params.isEmpty()) {
            h.append("<dl class=\"kv params\">");
            for (Map.Entry<String, JsonNode> p : params.properties()) {
                h.append("<dt>").append(esc(p.getKey())).append("</dt><dd>").append(value(p.getValue())).append("</dd>");
            }
            h.append("</dl>\n");
        }
        JsonNode rate = d.path("rate"); // the duplicate grouping's extra copies, and the baseline's share
        if (rate.isObject() && !rate.isEmpty()) {
            h.append("<dl class=\"kv params\">");
            for (Map.Entry<String, JsonNode> p : rate.properties()) {
                h.append("<dt>rate.").append(esc(p.getKey())).append("</dt><dd>").append(value(p.getValue())).append("</dd>");
            }
            h.append("</dl>\n");
        }
        if (enabled && flagged == 0 && present(d.path("flagged"))) {
            h.append("<p class=\"ok\">Nothing flagged.</p>\n");
        }
        h.append("</div>\n");
    }

    // ---------------------------------------------------------------- drift

    private static void drift(StringBuilder h, JsonNode drift) {
        h.append("<section id=\"drift\"><h2>Drift against the baseline</h2>\n");
        String baseline = text(drift.path("baseline"));
        if (!present(drift) || baseline == null) {
            empty(h, "No baseline given: drift was not measured. Pass a baseline from an earlier scan to compare "
                    + "feature and label distributions.");
            h.append(CLOSE_SECTION);
            return;
        }
        boolean datasetDrifted = drift.path("dataset_drifted").asBoolean(false);
        h.append("<p>Baseline <code>").append(esc(baseline)).append("</code></p>\n<div class=\"stats\">");
        stat(h, "Dataset drifted", datasetDrifted ? "<span class=\"badge bad\">yes</span>" : "<span class=\"badge good\">no</span>", null);
        Double share = num(drift.path("share_drifted"));
        stat(h, "Features drifted", share == null ? MISSING : Html.percent(share), null);
        JsonNode label = drift.path("label");
        if (present(label)) {
            stat(h, "Label JS distance", Html.number(label.path("js_distance")),
                    label.path("drifted").asBoolean(false) ? "<span class=\"badge bad\">drifted</span>" : null);
        }
        h.append("</div>\n");

        JsonNode features = drift.path("features");
        if (!features.isArray() || features.isEmpty()) {
            empty(h, "No per-feature drift statistics.");
            h.append(CLOSE_SECTION);
            return;
        }
        List<JsonNode> rows = new ArrayList<>();
        features.forEach(rows::add);
        // Drifted first, then by PSI descending; features without a PSI last.
        rows.sort(Comparator.<JsonNode, Boolean>comparing(n -> !n.path("drifted").asBoolean(false))
                .thenComparing(n -> -psi(n)));
        double maxPsi = PSI_SIGNIFICANT;
        for (JsonNode n : rows) {
            maxPsi = Math.max(maxPsi, psi(n));
        }
        h.append("<table class=\"drift\"><thead><tr><th>Feature</th><th class=\"bar-col\">PSI</th>")
                .append("<th class=\"num\">Wasserstein</th><th class=\"num\">KS statistic</th><th class=\"num\">KS p</th>")
                .append("<th>Drifted</th><th>Reason</th></tr></thead><tbody>\n");
        for (int i = 0; i < Math.min(MAX_FEATURES, rows.size()); i++) {
            JsonNode n = rows.get(i);
            boolean drifted = n.path("drifted").asBoolean(false);
            Double p = num(n.path("psi"));
            h.append("<tr").append(drifted ? " class=\"drifted\"" : "").append("><td><code>")
                    .append(esc(clip(text(n.path("feature")), 60))).append("</code></td><td>");
            if (p != null && Double.isFinite(p)) {
                double w = Math.max(p > 0 ? 1 : 0, 100 * Math.min(p, maxPsi) / maxPsi);
                String band = p >= PSI_SIGNIFICANT ? "high" : p >= PSI_MODERATE ? "mid" : "low";
                h.append("<div class=\"psi\"><span class=\"track\"><span class=\"fill ").append(band)
                        .append("\" style=\"width:").append(String.format(Locale.ROOT, "%.1f", w))
                        .append("%\"></span></span><span class=\"v\">").append(Html.number(p)).append("</span></div>");
            } else {
                h.append(MISSING);
            }
            h.append("</td><td>").append(Html.number(n.path("wasserstein")))
                    .append("</td><td>").append(Html.number(n.path("ks_statistic")))
                    .append("</td><td>").append(Html.number(n.path("ks_p")))
                    .append("</td><td>").append(drifted ? "<span class=\"badge bad\">drifted</span>" : "<span class=\"muted\">no</span>")
                    .append("</td><td>").append(esc(clip(text(n.path("reason")), 160))).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        int hiddenDrifted = 0;
        for (int i = MAX_FEATURES; i < rows.size(); i++) {
            hiddenDrifted += rows.get(i).path("drifted").asBoolean(false) ? 1 : 0;
        }
        more(h, rows.size() - MAX_FEATURES, hiddenDrifted == 0 ? "more features with lower PSI, none drifted"
                : "more features, " + hiddenDrifted + " of them drifted (see summary.json)");
        h.append("<p class=\"hint\">Drifted features first, then by PSI. PSI bands: &lt; 0.1 stable (green), 0.1\u20130.25 moderate (amber), \u2265 0.25 significant (red).</p>\n")
                .append(CLOSE_SECTION);
    }

    private static double psi(JsonNode n) {
        Double p = num(n.path("psi"));
        return p == null || !Double.isFinite(p) ? -1 : p;
    }

    // ---------------------------------------------------------------- labels

    private static void labels(StringBuilder h, JsonNode labels, JsonNode labelDrift) {
        h.append("<section id=\"labels\"><h2>Label distribution</h2>\n");
        if (!labels.isObject() || labels.isEmpty()) {
            empty(h, "No label distribution (the dataset may have no label column).");
            h.append(CLOSE_SECTION);
            return;
        }
        List<Map.Entry<String, Long>> list = sortedCounts(labels);
        long total = 0;
        for (Map.Entry<String, Long> e : list) {
            total += e.getValue();
        }
        List<Charts.Bar> bars = new ArrayList<>();
        long other = 0;
        for (int i = 0; i < list.size(); i++) {
            Map.Entry<String, Long> e = list.get(i);
            if (i < MAX_LABELS) {
                bars.add(new Charts.Bar(e.getKey(), e.getValue(), LABEL_COLOR,
                        total > 0 ? "(" + Html.percent((double) e.getValue() / total) + ")" : null));
            } else {
                other += e.getValue();
            }
        }
        if (list.size() > MAX_LABELS) {
            bars.add(new Charts.Bar("other (" + (list.size() - MAX_LABELS) + " labels)", other, Charts.NEUTRAL,
                    total > 0 ? "(" + Html.percent((double) other / total) + ")" : null));
        }
        h.append("<p class=\"hint\">").append(list.size()).append(list.size() == 1 ? " class, " : " classes, ")
                .append(Html.integer(total)).append(" labelled rows");
        if (present(labelDrift)) {
            h.append("; Jensen\u2013Shannon distance to the baseline ").append(Html.number(labelDrift.path("js_distance")))
                    .append(labelDrift.path("drifted").asBoolean(false) ? " <span class=\"badge bad\">drifted</span>" : "");
        }
        h.append(".</p>\n<div class=\"card narrow\">").append(Charts.horizontalBars("Label distribution", bars))
                .append("</div>\n").append(CLOSE_SECTION);
    }

    // ---------------------------------------------------------------- features

    private static void features(StringBuilder h, JsonNode features, JsonNode schema) {
        h.append("<section id=\"features\"><h2>Feature summary</h2>\n");
        if (!features.isArray() || features.isEmpty()) {
            empty(h, "No feature statistics in summary.json.");
            h.append(CLOSE_SECTION);
            return;
        }
        Map<String, String> types = new HashMap<>();
        if (schema.isArray()) {
            for (JsonNode c : schema) {
                String name = text(c.path("name"));
                if (name != null) {
                    String type = text(c.path("type"));
                    types.put(name, type == null ? "" : type.toLowerCase(Locale.ROOT));
                }
            }
        }
        String[] cols = {"mean", "std", "min", "p01", "p50", "p99", "max"};
        boolean anyMissing = false; // a column of its own only when some value was missing (scan.missing-values: impute)
        for (JsonNode f : features) {
            anyMissing |= f.path("missing").asLong() > 0;
        }
        h.append("<table class=\"features\"><thead><tr><th>Feature</th><th>Type</th>");
        if (anyMissing) {
            h.append("<th class=\"num\">missing</th>");
        }
        for (String c : cols) {
            h.append("<th class=\"num\">").append(c).append("</th>");
        }
        h.append("<th class=\"range-col\">Range (p01\u2013p99 box, median tick)</th></tr></thead><tbody>\n");
        int shown = 0;
        for (JsonNode f : features) {
            if (shown++ == MAX_FEATURES) {
                break;
            }
            String name = text(f.path("name"));
            h.append("<tr><td><code>").append(esc(clip(name, 60))).append("</code>")
                    .append(f.path("identifier_like").asBoolean(false) ? LOOKS_LIKE_AN_ID : "").append("</td><td class=\"muted\">")
                    .append(esc(types.getOrDefault(name, ""))).append(CLOSE_TD);
            if (anyMissing) {
                h.append("<td>").append(Html.number(f.path("missing"))).append(CLOSE_TD);
            }
            for (String c : cols) {
                h.append("<td>").append(Html.number(f.path(c))).append(CLOSE_TD);
            }
            h.append("<td>").append(rangeBox(f)).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        more(h, features.size() - MAX_FEATURES, "more features (see summary.json)");
        h.append(CLOSE_SECTION);
    }

    // ---------------------------------------------------------------- categories

    /** Values listed per category column in the report. */
    static final int MAX_CATEGORY_VALUES = 5;

    private static void categories(StringBuilder h, JsonNode categories, JsonNode drift) {
        h.append("<section id=\"categories\"><h2>Category columns</h2>\n");
        if (!categories.isArray() || categories.isEmpty()) {
            empty(h, "No category columns: string columns other than the label and the id are counted here, and checked against a baseline.");
            h.append(CLOSE_SECTION);
            return;
        }
        Map<String, JsonNode> drifts = new HashMap<>();
        if (drift.isArray()) {
            for (JsonNode d : drift) {
                drifts.put(text(d.path("column")), d);
            }
        }
        h.append("<table class=\"features\"><thead><tr><th>Column</th><th class=\"num\">rows</th><th class=\"num\">missing</th>")
                .append("<th class=\"num\">distinct</th><th>Most frequent values</th><th>Drift vs the baseline</th></tr></thead><tbody>\n");
        int shown = 0;
        for (JsonNode c : categories) {
            if (shown++ == MAX_FEATURES) {
                break;
            }
            long rows = c.path("rows").asLong();
            h.append("<tr><td><code>").append(esc(clip(text(c.path("name")), 60))).append("</code></td><td>").append(Html.number(c.path("rows")))
                    .append(CLOSE_TD).append("<td>").append(Html.number(c.path("missing"))).append(CLOSE_TD).append("<td>")
                    .append(c.path("free_text").asBoolean(false) ? "<span class=\"muted\">free text</span>" : Html.number(c.path("distinct")))
                    .append(c.path("identifying").asBoolean(false) ? IDENTIFIES_ROWS : "")
                    .append(CLOSE_TD).append("<td>");
            List<String> values = new ArrayList<>();
            var it = c.path("top").fields();
            while (it.hasNext() && values.size() < MAX_CATEGORY_VALUES) {
                var e = it.next();
                values.add("<code>" + esc(clip(e.getKey(), 30)) + "</code> " + (rows > 0 ? Html.percent((double) e.getValue().asLong() / rows) : ""));
            }
            h.append(String.join(", ", values)).append(CLOSE_TD).append("<td>");
            JsonNode d = drifts.get(text(c.path("name")));
            if (d == null) {
                h.append("<span class=\"muted\">not compared</span>");
            } else if (!present(d.path("js_distance"))) {
                h.append("<span class=\"muted\">").append(esc(text(d.path("reason")))).append("</span>");
            } else {
                h.append("Jensen\u2013Shannon ").append(Html.number(d.path("js_distance")))
                        .append(d.path("drifted").asBoolean(false) ? " <span class=\"badge bad\">drifted</span>" : "");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        more(h, categories.size() - MAX_FEATURES, "more category columns (see summary.json)");
        h.append("<p class=\"hint\">Counted over every row. Values a baseline never had are SCHEMA findings (<code>new_categories</code>, and "
                + "<code>category_domain</code> on the rows of rare ones). A column that identifies rows (free text, or more distinct values "
                + "than half its rows: an id not named with <code>--id-column</code>) is no part of what makes two rows copies.</p>\n").append(CLOSE_SECTION);
    }

    /**
     * A tiny box plot on the feature's own min..max scale (p01-p99 box, median tick): shows skew and
     * tails at a glance. Positioned spans rather than SVG, to keep wide tables small.
     */
    private static String rangeBox(JsonNode f) {
        Double min = num(f.path("min"));
        Double max = num(f.path("max"));
        Double p01 = num(f.path("p01"));
        Double p50 = num(f.path("p50"));
        Double p99 = num(f.path("p99"));
        if (min == null || max == null || !(max > min) || !Double.isFinite(max - min)) {
            return "";
        }
        StringBuilder b = new StringBuilder("<span class=\"rng\">");
        if (p01 != null && p99 != null) {
            double a = share(p01, min, max);
            b.append("<i style=\"left:").append(pct(a)).append(";width:").append(pct(Math.max(0.005, share(p99, min, max) - a)))
                    .append("\"></i>");
        }
        if (p50 != null) {
            b.append("<b style=\"left:").append(pct(share(p50, min, max))).append("\"></b>");
        }
        return b.append("</span>").toString();
    }

    private static double share(double v, double min, double max) {
        return Math.max(0, Math.min(1, (v - min) / (max - min)));
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    // ---------------------------------------------------------------- top findings

    private static void topFindings(StringBuilder h, List<JsonNode> findings, long total) {
        h.append("<section id=\"top-findings\"><h2>Top findings</h2>\n");
        if (findings.isEmpty()) {
            empty(h, total > 0 ? "No findings were passed to the report; see findings.jsonl." : "No findings.");
            h.append(CLOSE_SECTION);
            return;
        }
        int shown = Math.min(findings.size(), MAX_FINDINGS);
        h.append("<p class=\"hint\">").append(shown).append(" shown");
        if (total > shown) {
            h.append(" of ").append(Html.integer(total)).append("; all findings are in findings.jsonl");
        }
        h.append(".</p>\n<table class=\"findings\"><thead><tr><th class=\"num\">#</th><th>Priority</th><th>Kind</th>")
                .append("<th>Detector</th><th>Subject</th><th class=\"num\">Score</th><th class=\"num\">Risk</th>")
                .append("<th>Evidence</th></tr></thead><tbody>\n");
        for (int i = 0; i < shown; i++) {
            JsonNode f = findings.get(i);
            String priority = text(f.path("priority"));
            String kind = text(f.path("kind"));
            String findingId = text(f.path("finding_id"));
            h.append("<tr><td class=\"num muted\"");
            if (findingId != null) {
                h.append(" title=\"finding ").append(esc(findingId)).append('"');
            }
            h.append('>').append(i + 1).append("</td><td>").append(priorityBadge(priority)).append("</td><td>")
                    .append(kind == null ? MISSING : kindBadge(kind)).append("</td><td><code>")
                    .append(esc(text(f.path("detector")))).append("</code>");
            String threat = text(f.path("threat"));
            String stride = text(f.path("stride"));
            if (threat != null) {
                h.append("<div class=\"sub\">").append(esc(words(threat)))
                        .append(stride == null ? "" : " \u00b7 " + esc(words(stride))).append("</div>");
            }
            h.append("</td><td>").append(subject(f)).append("</td><td class=\"num\">")
                    .append(Html.number(f.path("score"))).append("</td><td class=\"num\">")
                    .append(Html.number(f.path("risk_score"))).append("</td><td>").append(evidence(f.path("evidence")))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        more(h, findings.size() - MAX_FINDINGS, "more findings passed to the report (see findings.jsonl)");
        h.append(CLOSE_SECTION);
    }

    private static String subject(JsonNode f) {
        String rowId = text(f.path("row_id"));
        Double rowIndex = num(f.path("row_index"));
        if (rowId == null && rowIndex == null) {
            return "<span class=\"badge ds\">dataset</span>";
        }
        StringBuilder b = new StringBuilder();
        if (rowIndex != null) {
            b.append("row ").append(Html.integer(Math.round(rowIndex)));
        }
        if (rowId != null) {
            b.append("<div class=\"sub\"><code title=\"").append(esc(rowId)).append("\">")
                    .append(esc(clip(rowId, 24))).append("</code></div>");
        }
        return b.toString();
    }

    /** Evidence as "key: value" lines; scalars plain, nested values as compact JSON. */
    static String evidence(JsonNode ev) {
        JsonNode e = ev;
        if (e != null && e.isTextual()) {
            // Evidence crosses operators as a JSON string; accept it in that form too.
            try {
                e = Json.read(e.asText());
            } catch (IllegalArgumentException notJson) {
                return "<span class=\"ev-text\">" + esc(clip(ev.asText(), MAX_EVIDENCE_CHARS)) + "</span>";
            }
        }
        if (e == null || !e.isObject() || e.isEmpty()) {
            return present(e) && !e.isObject() ? value(e) : "<span class=\"muted\">none</span>";
        }
        StringBuilder b = new StringBuilder("<dl class=\"kv ev\">");
        for (Map.Entry<String, JsonNode> f : e.properties()) {
            b.append("<dt>").append(esc(clip(f.getKey(), 60))).append("</dt><dd>").append(value(f.getValue())).append("</dd>");
        }
        return b.append("</dl>").toString();
    }

    /** One value: numbers formatted, text as is, nested arrays and objects as compact JSON. */
    private static String value(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "<span class=\"muted\">null</span>";
        }
        if (v.isNumber()) {
            return Html.number(v.asDouble());
        }
        if (v.isBoolean()) {
            return v.asBoolean() ? "true" : "false";
        }
        if (v.isTextual()) {
            return esc(clip(v.asText(), MAX_EVIDENCE_CHARS));
        }
        return "<code class=\"json\">" + esc(clip(Json.write(v), MAX_EVIDENCE_CHARS)) + "</code>";
    }

    // ---------------------------------------------------------------- run details

    private static void run(StringBuilder h, JsonNode s) {
        JsonNode timings = s.path("timings_ms");
        JsonNode thresholds = s.path("thresholds");
        h.append("<section id=\"run\"><h2>Run</h2>\n");
        if (!(timings.isObject() && !timings.isEmpty()) && !(thresholds.isObject() && !thresholds.isEmpty())) {
            empty(h, "No timings or thresholds in summary.json.");
            h.append(CLOSE_SECTION);
            return;
        }
        h.append("<div class=\"grid2\">\n");
        if (timings.isObject() && !timings.isEmpty()) {
            List<Charts.Bar> bars = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : timings.properties()) {
                Double ms = num(e.getValue());
                if (ms != null && !"total".equals(e.getKey())) {
                    bars.add(new Charts.Bar(e.getKey(), ms, PALETTE[0], "ms"));
                }
            }
            h.append("<div class=\"card\"><h3>Timings</h3>");
            Double total = num(timings.path("total"));
            if (total != null) {
                h.append("<p>Total ").append(Html.duration(Math.round(total))).append("</p>");
            }
            if (!bars.isEmpty()) {
                h.append(Charts.horizontalBars("Stage timings in milliseconds", bars));
            }
            h.append("</div>\n");
        }
        if (thresholds.isObject() && !thresholds.isEmpty()) {
            h.append("<div class=\"card\"><h3>Thresholds</h3><dl class=\"kv params\">");
            for (Map.Entry<String, JsonNode> e : thresholds.properties()) {
                h.append("<dt>").append(esc(e.getKey())).append("</dt><dd>").append(value(e.getValue())).append("</dd>");
            }
            h.append("</dl></div>\n");
        }
        h.append("</div>\n").append(CLOSE_SECTION);
    }

    // ---------------------------------------------------------------- small pieces

    private static void stat(StringBuilder h, String label, String valueHtml, String noteHtml) {
        h.append("<div class=\"stat\"><div class=\"stat-label\">").append(label).append("</div><div class=\"stat-value\">")
                .append(valueHtml).append("</div>");
        if (noteHtml != null) {
            h.append("<div class=\"stat-note\">").append(noteHtml).append("</div>");
        }
        h.append("</div>");
    }

    private static void empty(StringBuilder h, String message) {
        h.append("<p class=\"empty\">").append(esc(message)).append("</p>\n");
    }

    private static void more(StringBuilder h, int hidden, String what) {
        if (hidden > 0) {
            h.append("<p class=\"more\">\u2026 and ").append(Html.integer(hidden)).append(' ').append(esc(what)).append(".</p>\n");
        }
    }

    private static String priorityBadge(String priority) {
        if (priority == null) {
            return MISSING;
        }
        String cls = List.of(PRIORITIES).contains(priority) ? priority.toLowerCase(Locale.ROOT) : "unknown";
        return "<span class=\"badge p-" + cls + "\">" + esc(priority) + "</span>";
    }

    private static String kindBadge(String kind) {
        return "<span class=\"badge kind\" style=\"background:" + kindColor(kind) + "\">"
                + esc(kind.replace('_', ' ')) + "</span>";
    }

    /** DATA_POISONING -> "data poisoning". */
    private static String words(String constant) {
        return constant.toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /** A colour from a fixed list, never from the data itself. */
    private static String kindColor(String kind) {
        String c = KIND_COLORS.get(kind);
        return c != null ? c : PALETTE[Math.floorMod(kind.hashCode(), PALETTE.length)];
    }

    /** Entries of a {"name": count} object, largest count first, then by name. */
    private static List<Map.Entry<String, Long>> sortedCounts(JsonNode object) {
        List<Map.Entry<String, Long>> list = new ArrayList<>();
        if (!object.isObject()) {
            return list;
        }
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            list.add(Map.entry(e.getKey(), count(e.getValue())));
        }
        list.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return list;
    }
}
